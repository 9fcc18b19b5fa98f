"""Benchmark of the understand stage: quality against silver/hand labels, speed, load, memory.

    python bench/understand.py [--mind PATH] [--backend fast|spacy|rules] [--runs 3] [--workers 2]
                               [--unjudged PACKETS.jsonl]

Prints per-type precision/recall of places, people and organisations against MIND's linked
entities (a silver standard: a hit is the same surface form with the same type, P → person,
O → org, G/L → place), the same against the adjudicated labels
(``tests/fixtures/mind_adjudicated.jsonl``: the silver corrected by reviewing every mention
where the silver and the two recognisers disagree), the same against 400 hand-annotated UCI
headlines (``tests/fixtures/uci_entities.jsonl``), date accuracy on
``tests/fixtures/dates_labelled.jsonl``, items per second for headline + teaser items on the
machine's cores (median of several runs), model load time and peak RSS. The scoring
functions are shared with the floor test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storyline.model import Item  # noqa: E402
from storyline.understand.dates import find_dates  # noqa: E402
from storyline.understand.default import UnderstandSettings, default_components  # noqa: E402
from storyline.understand.entities import TITLES  # noqa: E402
from storyline.understand.pipeline import Component, Pipeline  # noqa: E402

MIND = ROOT.parent / "shared" / "data" / "headlines" / "mind-dev.tsv"
DATES = ROOT / "tests" / "fixtures" / "dates_labelled.jsonl"
ADJUDICATED = ROOT / "tests" / "fixtures" / "mind_adjudicated.jsonl"
UCI_ENTITIES = ROOT / "tests" / "fixtures" / "uci_entities.jsonl"
KINDS = ("place", "person", "org")
TYPES = {"P": "person", "O": "org", "G": "place", "L": "place"}


def read_mind(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows of a MIND news TSV as dicts: id, title, abstract and the gold entity sets."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            gold: set[tuple[str, str]] = set()
            for col in cols[6:8]:
                for ent in json.loads(col or "[]"):
                    kind = TYPES.get(ent["Type"])
                    if kind:
                        gold |= {(norm(s), kind) for s in ent["SurfaceForms"]}
            rows.append({"id": cols[0], "title": cols[3], "abstract": cols[4], "gold": gold})
            if limit and len(rows) >= limit:
                break
    return rows


def norm(surface: str) -> str:
    """Compare surface forms loosely: case, a final dot and a possessive do not matter."""
    s = surface.strip().casefold().replace("’", "'")
    if s.endswith("'s"):
        s = s[:-2]
    return s.rstrip(".")


def mind_item(row: dict[str, Any]) -> Item:
    """A MIND row as an ingested item (title → headline, abstract → teaser)."""
    return Item(id=row["id"], source_id="mind", raw_text=row["title"], headline=row["title"],
                teaser=row["abstract"], published=datetime(2019, 11, 15, tzinfo=UTC))


def predicted(item: Item) -> set[tuple[str, str]]:
    """(surface, type) pairs an understood item claims, demonyms left out (MIND types them
    as nationalities, not places)."""
    out: set[tuple[str, str]] = set()
    for fact in item.facts:
        if fact.kind not in ("place", "person", "org"):
            continue
        if fact.kind == "place" and fact.extra.get("kind") == "demonym":
            continue
        for mention in fact.extra.get("mentions", []):
            out.add((norm(mention["surface"]), fact.kind))
    return out


def per_kind(pairs: Iterable[tuple[set[tuple[str, str]], set[tuple[str, str]]]],
             truth_name: str = "gold") -> dict[str, dict[str, float]]:
    """Micro-averaged precision and recall per type over (predicted, true) mention sets, one
    pair per item; the count of true mentions is reported under ``truth_name``."""
    counts = {k: {"tp": 0, "pred": 0, "true": 0} for k in KINDS}
    for pred, truth in pairs:
        for kind, c in counts.items():
            p = {m for m in pred if m[1] == kind}
            t = {m for m in truth if m[1] == kind}
            c["pred"] += len(p)
            c["true"] += len(t)
            c["tp"] += len(p & t)
    return {kind: {"precision": c["tp"] / c["pred"] if c["pred"] else 0.0,
                   "recall": c["tp"] / c["true"] if c["true"] else 0.0,
                   "predicted": c["pred"], truth_name: c["true"]}
            for kind, c in counts.items()}


def score_mind(
    rows: Sequence[dict[str, Any]], items: Sequence[Item]
) -> dict[str, dict[str, float]]:
    """Micro-averaged precision and recall per type over items, against the silver."""
    return per_kind((predicted(item), row["gold"])
                    for row, item in zip(rows, items, strict=True))


Judgements = dict[str, dict[tuple[str, str], dict[str, Any]]]


def read_adjudicated(path: Path = ADJUDICATED) -> Judgements:
    """Reviewed mentions of MIND items: item id → (surface, kind) → the judgement
    (``verdict`` correct / wrong_kind / wrong_extent / not_entity, ``right_kind``)."""
    judged: Judgements = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line:
            row = json.loads(line)
            judged.setdefault(row["id"], {})[(row["surface"], row["kind"])] = row
    return judged


def person_key(surface: str) -> str:
    """A person's surface without leading titles ("president donald trump" → "donald
    trump"): whether a title belongs to the mention is a convention on which MIND's silver
    (keeps it) and OntoNotes-style annotation (drops it) differ, so the adjudicated figures
    compare people without it, on both sides."""
    words = surface.split()
    while len(words) > 1 and words[0] in TITLES:
        words.pop(0)
    return " ".join(words)


def mention_key(surface: str, kind: str) -> tuple[str, str]:
    """What two mentions are compared by in the adjudicated figures."""
    return (person_key(surface) if kind == "person" else surface, kind)


def adjudicated_truth(row: dict[str, Any], judged: Judgements) -> set[tuple[str, str]]:
    """The item's true mentions (as ``mention_key``) as far as they are known: the
    silver's, less those a reviewer rejected, plus reviewed mentions found correct, found to
    be of another kind (the surface with the kind the reviewer gave) or to have the wrong
    extent (the surface the reviewer gave instead)."""
    mine = judged.get(row["id"], {})
    truth = {mention_key(*m) for m in row["gold"]
             if mine.get(m, {}).get("verdict", "correct") == "correct"}
    for (surface, kind), j in mine.items():
        if j["verdict"] == "correct":
            truth.add(mention_key(surface, kind))
        elif j["verdict"] == "wrong_kind" and j.get("right_kind") in KINDS:
            truth.add(mention_key(surface, j["right_kind"]))
        elif j["verdict"] == "wrong_extent" and j.get("fixed"):
            truth.add(mention_key(j["fixed"], kind))
    return truth


def score_adjudicated(rows: Sequence[dict[str, Any]], items: Sequence[Item],
                      judged: Judgements,
                      unjudged: list[dict[str, Any]] | None = None) -> dict[str, dict[str, float]]:
    """Precision and recall per type against the adjudicated labels.

    A prediction that is neither in the silver nor reviewed nor equal to a known true
    mention counts as wrong and is counted in ``unjudged`` (and listed there, as a packet to
    review, when a list is given): a recogniser that finds new mentions must have them
    reviewed before its precision here means anything."""
    pairs: list[tuple[set[tuple[str, str]], set[tuple[str, str]]]] = []
    unreviewed = dict.fromkeys(KINDS, 0)
    for row, item in zip(rows, items, strict=True):
        truth = adjudicated_truth(row, judged)
        mine = judged.get(row["id"], {})
        pred = predicted(item)
        new = sorted(m for m in pred
                     if m not in row["gold"] and m not in mine and mention_key(*m) not in truth)
        if unjudged is not None and new:
            unjudged.append({"id": row["id"], "title": row["title"], "abstract": row["abstract"],
                             "predicted": [{"surface": s, "kind": k} for s, k in new],
                             "silver_unmatched": []})
        for _, kind in new:
            unreviewed[kind] += 1
        pairs.append(({mention_key(*m) for m in pred}, truth))
    scores = per_kind(pairs, "true")
    for kind, score in scores.items():
        score["unjudged"] = unreviewed[kind]
    return scores


def read_uci_entities(path: Path = UCI_ENTITIES) -> list[dict[str, Any]]:
    """Hand-annotated UCI headlines (2014; none of them in the fast recogniser's training
    sample): rows with id, title and the set of true mentions as ``mention_key`` pairs."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line:
            row = json.loads(line)
            row["gold"] = {mention_key(norm(m["surface"]), m["kind"]) for m in row["mentions"]}
            rows.append(row)
    return rows


def uci_item(row: dict[str, Any]) -> Item:
    """A UCI headline as an ingested item (headline only)."""
    return Item(id=row["id"], source_id="uci", raw_text=row["title"], headline=row["title"],
                published=datetime(2014, 4, 1, tzinfo=UTC))


def score_annotated(rows: Sequence[dict[str, Any]],
                    items: Sequence[Item]) -> dict[str, dict[str, float]]:
    """Micro-averaged precision and recall per type against complete annotations."""
    return per_kind(({mention_key(*m) for m in predicted(item)}, row["gold"])
                    for row, item in zip(rows, items, strict=True))


def read_dates(path: Path = DATES) -> list[dict[str, Any]]:
    """The hand-labelled date mentions (one JSON object a line)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score_dates(labelled: Iterable[dict[str, Any]],
                failures: list[dict[str, Any]] | None = None) -> dict[str, float]:
    """Share of labelled mentions resolved as labelled, and wrong relative resolutions.

    A mention labelled null is right when the resolver leaves it unresolved or ignores it;
    a dated one is right when a resolved mention overlapping the surface has that value.
    """
    total = right = wrong_relative = 0
    for case in labelled:
        total += 1
        text, surface, needle = case["text"], case["surface"], case.get("needle", case["surface"])
        # The needle pins which occurrence of the surface is meant ("2019" twice in a text).
        start = text.index(needle) + max(0, needle.find(surface))
        ref = date.fromisoformat(case["reference_date"])
        mentions, _ = find_dates(text, ref, bool(case.get("estimated", False)))
        hits = [m for m in mentions if m.start < start + len(surface) and start < m.end]
        got = next((m.value for m in hits if m.value), None)
        if got == case["expected"]:
            right += 1
            continue
        if got is not None and any(m.relative for m in hits):
            wrong_relative += 1
        if failures is not None:
            failures.append({**case, "got": got})
    return {"mentions": total, "accuracy": right / total if total else 0.0,
            "wrong_relative": wrong_relative}


def _run_chunk(args: tuple[str, list[tuple[str, str]]]) -> float:
    """Run one chunk in a worker; return the worker's CPU seconds spent on it."""
    backend, pairs = args
    cpu = time.process_time()
    pipe = _worker_pipeline(backend)
    for comp in pipe:  # no help from texts cached by an earlier run
        recognizer = getattr(comp, "recognizer", None)
        if recognizer is not None:
            recognizer.clear()
    items = [Item(id=str(i), source_id="b", raw_text=h, headline=h, teaser=t,
                  published=datetime(2019, 11, 15, tzinfo=UTC)) for i, (h, t) in enumerate(pairs)]
    run_batched(pipe, items)
    return time.process_time() - cpu


_PIPES: dict[str, list[Component]] = {}


def _worker_pipeline(backend: str) -> list[Component]:
    if backend not in _PIPES:
        _PIPES[backend] = default_components(UnderstandSettings(ner_backend=backend))
    return _PIPES[backend]


def run_batched(components: list[Component], items: list[Item], batch: int = 256) -> list[Item]:
    """Run components over items, letting components with a ``pipe`` method batch."""
    Pipeline(components)  # checks the order
    out = items
    for comp in components:
        pipe = getattr(comp, "pipe", None)
        out = list(pipe(out, batch)) if pipe else [comp(i) for i in out]
    return out


def throughput(backend: str, pairs: list[tuple[str, str]], workers: int,
               runs: int) -> tuple[float, float]:
    """Median items/s over ``runs`` runs with ``workers`` processes (models preloaded), by
    the wall clock and by CPU time (items per CPU second times ``workers``: what the cores
    would do if nothing else ran on them; the wall clock depends on the other jobs)."""
    ctx = mp.get_context("spawn")
    chunks = [pairs[i : i + 250] for i in range(0, len(pairs), 250)]
    rates, cpu_rates = [], []
    with ctx.Pool(workers) as pool:
        pool.map(_run_chunk, [(backend, pairs[:50])] * workers)  # load models
        for _ in range(runs):
            start = time.perf_counter()
            cpu = sum(pool.map(_run_chunk, [(backend, c) for c in chunks], chunksize=1))
            rates.append(len(pairs) / (time.perf_counter() - start))
            cpu_rates.append(workers * len(pairs) / cpu)
    return statistics.median(rates), statistics.median(cpu_rates)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mind", type=Path, default=MIND)
    ap.add_argument("--backend", default="fast", choices=["fast", "spacy", "rules"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead")
    ap.add_argument("--unjudged", type=Path,
                    help="write the predictions no reviewer has judged to this JSONL file, "
                    "as packets to review (see docs/understand.md, 'Adjudicated labels')")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    components = default_components(UnderstandSettings(ner_backend=args.backend))
    warm = Item(id="w", source_id="b", raw_text="", headline="Warm up in Lima, Peru",
                teaser="Officials met yesterday in Lima with John Smith of Acme Corp.",
                published=datetime(2020, 11, 17, tzinfo=UTC))
    for comp in components:
        comp(warm)
    load_s = time.perf_counter() - t0

    rows = read_mind(args.mind)
    items = run_batched(components, [mind_item(r) for r in rows])
    quality = score_mind(rows, items)
    new: list[dict[str, Any]] = []
    adjudicated = score_adjudicated(rows, items, read_adjudicated(), new)
    uci_rows = read_uci_entities()
    uci = score_annotated(uci_rows, run_batched(components, [uci_item(r) for r in uci_rows]))
    if args.unjudged:
        args.unjudged.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in new),
                                 encoding="utf-8")
    dates = score_dates(read_dates())
    pairs = [(r["title"], r["abstract"]) for r in rows] * 2
    rate, rate_cpu = throughput(args.backend, pairs, args.workers, args.runs)
    rate_one, _ = throughput(args.backend, pairs[:1000], 1, args.runs)
    titles = [(r["title"], "") for r in rows] * 2
    rate_titles, _ = throughput(args.backend, titles, args.workers, args.runs)
    load_avg = os.getloadavg()[0]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"backend": args.backend, "quality": quality, "adjudicated": adjudicated,
              "uci_annotated": uci,
              "dates": dates,
              "items_per_s_headline_teaser": rate, "items_per_s_one_core": rate_one,
              "items_per_s_cpu_bound": rate_cpu, "load_average_1min": load_avg,
              "items_per_s_headline_only": rate_titles, "workers": args.workers,
              "load_s": load_s, "peak_rss_mib_main": rss}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"backend: {args.backend}")
    for kind, q in quality.items():
        print(f"{kind:7s} precision {q['precision']:.3f}  recall {q['recall']:.3f}  "
              f"(predicted {q['predicted']}, silver {q['gold']})")
    print("against the adjudicated labels (silver plus reviewed mentions):")
    for kind, q in adjudicated.items():
        print(f"{kind:7s} precision {q['precision']:.3f}  recall {q['recall']:.3f}  "
              f"(predicted {q['predicted']}, true {q['true']}, not yet reviewed "
              f"{q['unjudged']})")
    print("UCI headlines, hand-annotated (400 titles of 2014):")
    for kind, q in uci.items():
        print(f"{kind:7s} precision {q['precision']:.3f}  recall {q['recall']:.3f}  "
              f"(predicted {q['predicted']}, annotated {q['gold']})")
    print(f"dates   accuracy {dates['accuracy']:.3f} on {dates['mentions']} mentions, "
          f"wrong relative resolutions: {dates['wrong_relative']}")
    print(f"speed   {rate:.0f} items/s headline+teaser on {args.workers} processes "
          f"({rate_one:.0f} on one), {rate_titles:.0f} items/s headline only; by CPU time "
          f"{rate_cpu:.0f} items/s on {args.workers} cores (load average {load_avg:.1f})")
    print(f"load    {load_s:.2f} s (all components, first item)")
    print(f"memory  peak RSS {rss:.0f} MiB (main process, one pipeline)")


if __name__ == "__main__":
    main()
