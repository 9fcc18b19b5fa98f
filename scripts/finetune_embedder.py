"""Fine-tune the distilled static embedding model for "same story" (issue 5).

Starts from the model2vec table that ``scripts/distill_embedder.py`` writes and nudges its
word-piece vectors so that two headlines of one story come closer than two headlines of
different stories on the same day: a symmetric InfoNCE loss with in-batch negatives, each
batch drawn from one day (so its negatives are the hard, same-day ones), on the UCI News
Aggregator dev set (CC BY 4.0), **only the days before the held-out split** (``--before``,
default the bench's split), never the held-out half's items or labels. An L2 pull towards the
distilled vectors, a small learning rate and few epochs keep the words seen in training near
their meaning; words never seen get no gradient and keep their vectors exactly.

Needs torch and safetensors (training only; storyline reads the result with numpy)::

    pip install torch==2.13.0 safetensors   # the local CPU wheel; never let pip pick another
    HF_HUB_OFFLINE=1 python scripts/distill_embedder.py --out /tmp/minilm-distilled
    OMP_NUM_THREADS=1 python scripts/finetune_embedder.py --base /tmp/minilm-distilled \
        --out storyline/models/minilm-static

The run is deterministic (fixed seeds, one thread, ``torch.use_deterministic_algorithms``):
two runs write byte-identical ``model.safetensors`` files.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._uci import day_split, load_rows  # noqa: E402
from storyline.group.embed import StaticEmbedder, read_safetensors  # noqa: E402


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def headline_text(title: str) -> str:
    """What the grouper embeds of a bare headline (``features.grouping_text``: 16 words)."""
    return " ".join(title.split()[:16])


def training_groups(before: int, after: int = -1) -> list[tuple[int, list[str]]]:
    """(day, distinct texts) of each gold story on each day in ``[after, before)`` with two
    or more distinct headlines; exact copies are dropped (the dedup stage folds them)."""
    groups: dict[tuple[int, str], dict[str, None]] = defaultdict(dict)
    for row in load_rows():
        if after <= row.day < before:
            groups[(row.day, row.story)][headline_text(row.title)] = None
    out = [(day, list(texts)) for (day, _), texts in groups.items() if len(texts) >= 2]
    out.sort(key=lambda g: (g[0], g[1][0]))
    return out


def main() -> None:
    """Fine-tune the table and write the model folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True,
                        help="the distilled model folder (scripts/distill_embedder.py --out)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--before", default=None, help="train on days before YYYY-MM-DD "
                        "(default: the bench's held-out split)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--l2", type=float, default=1e-4, help="pull towards the base vectors")
    parser.add_argument("--tau", type=float, default=0.05, help="InfoNCE temperature")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)  # determinism, and the machine is shared
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    rows_split = day_split(load_rows())
    before = (int(np.datetime64(args.before, "D").astype(np.int64)) if args.before
              else rows_split)
    assert before <= rows_split, "never train on the held-out half"
    groups = training_groups(before)
    embedder = StaticEmbedder(args.base)
    base = read_safetensors(args.base / "model.safetensors")["embeddings"].astype(np.float32)
    original = torch.from_numpy(base.copy())
    table = torch.nn.Parameter(torch.from_numpy(base.copy()))
    # Token ids of every training text, once.
    texts = [t for _, g in groups for t in g]
    ids = embedder.token_ids(texts)
    index: dict[str, list[int]] = dict(zip(texts, ids, strict=True))
    print(f"{len(groups)} story-days, {len(texts)} headlines, days < "
          f"{np.datetime64(before, 'D')}", file=sys.stderr)

    def embed(batch_ids: list[list[int]]) -> torch.Tensor:
        """Mean of word-piece vectors, L2-normalised (as StaticEmbedder)."""
        flat = torch.tensor([t for row in batch_ids for t in row], dtype=torch.long)
        offsets = torch.tensor(np.concatenate(([0], np.cumsum([len(r) for r in batch_ids])[:-1])),
                               dtype=torch.long)
        vecs = torch.nn.functional.embedding_bag(flat, table, offsets, mode="mean")
        return torch.nn.functional.normalize(vecs, dim=1)

    optimiser = torch.optim.Adam([table], lr=args.lr)
    if before < rows_split:
        with torch.no_grad():
            sample = [index[t] for t in texts[:: max(1, len(texts) // 20000)] if index[t]]
            validate(embed, embed(sample).mean(dim=0), before, rows_split, embedder, args.seed)
    for epoch in range(args.epochs):
        # The grouper subtracts the running mean of all embeddings; do the same here, with
        # the mean of this epoch's starting table over the training texts (held fixed).
        with torch.no_grad():
            sample = [index[t] for t in texts[:: max(1, len(texts) // 20000)] if index[t]]
            centre = embed(sample).mean(dim=0)
        anchors: list[tuple[int, int, str, str]] = []  # (day, story, anchor, positive)
        for story, (day, members) in enumerate(groups):
            for i, text in enumerate(members):
                j = int(rng.integers(len(members) - 1))
                anchors.append((day, story, text, members[j if j < i else j + 1]))
        order = rng.permutation(len(anchors))
        # Same-day batches: stable sort of a random order by day.
        order = order[np.argsort([anchors[k][0] for k in order], kind="stable")]
        batches = [order[i : i + args.batch] for i in range(0, len(order), args.batch)]
        batches = [batches[k] for k in rng.permutation(len(batches))]
        total = 0.0
        for step, batch in enumerate(batches):
            picked = [anchors[k] for k in batch if index[anchors[k][2]] and index[anchors[k][3]]]
            if len(picked) < 2:
                continue
            a = torch.nn.functional.normalize(embed([index[p[2]] for p in picked]) - centre, dim=1)
            b = torch.nn.functional.normalize(embed([index[p[3]] for p in picked]) - centre, dim=1)
            logits = a @ b.T / args.tau
            story_ids = torch.tensor([p[1] for p in picked])
            # Two anchors of one story in a batch are not each other's negatives.
            same = (story_ids[:, None] == story_ids[None, :]) & ~torch.eye(len(picked),
                                                                           dtype=torch.bool)
            logits = logits.masked_fill(same, -1e4)
            target = torch.arange(len(picked))
            loss = (torch.nn.functional.cross_entropy(logits, target)
                    + torch.nn.functional.cross_entropy(logits.T, target)) / 2
            penalty = args.l2 * ((table - original) ** 2).sum()
            optimiser.zero_grad()
            (loss + penalty).backward()
            optimiser.step()
            total += float(loss.detach())
            if step % 200 == 0:
                drift = float(((table - original) ** 2).sum().detach())
                print(f"epoch {epoch} step {step}/{len(batches)} loss {total / (step + 1):.4f} "
                      f"drift {drift:.2f}", file=sys.stderr)
        print(f"epoch {epoch}: mean loss {total / len(batches):.4f}", file=sys.stderr)

        if before < rows_split:
            # Days between --before and the held-out split: a check that never sees the
            # held-out half either.
            validate(embed, centre, before, rows_split, embedder, rng_seed=args.seed)
    write_model(args.base, args.out, table.detach().numpy(), args, before)


def validate(embed: object, centre: object, after: int, before: int, embedder: StaticEmbedder,
             rng_seed: int) -> None:
    """AUC of the centred cosine: same-story pairs against same-day pairs of other stories."""
    import torch

    rng = np.random.default_rng(rng_seed)
    groups = training_groups(before, after)
    texts = [t for _, g in groups for t in g]
    story = np.repeat(np.arange(len(groups)), [len(g) for _, g in groups])
    day = np.repeat([d for d, _ in groups], [len(g) for _, g in groups])
    ids = embedder.token_ids(texts)
    keep = np.array([bool(i) for i in ids])
    with torch.no_grad():
        vecs = torch.nn.functional.normalize(
            embed([i for i in ids if i]) - centre, dim=1).numpy()  # type: ignore[operator]
    story, day = story[keep], day[keep]
    first = rng.integers(len(vecs), size=400_000)
    second = rng.integers(len(vecs), size=400_000)
    # Random pairs of one day, and as many pairs of one story (random partners in its group).
    ok = (day[first] == day[second]) & (first != second) & (story[first] != story[second])
    starts = np.searchsorted(story, story)
    sizes = np.bincount(story)[story]
    anchor = rng.integers(len(vecs), size=40_000)
    partner = starts[anchor] + rng.integers(sizes[anchor])
    pos = partner != anchor
    first = np.concatenate((first[ok], anchor[pos]))
    second = np.concatenate((second[ok], partner[pos]))
    same = story[first] == story[second]
    score = (vecs[first] * vecs[second]).sum(axis=1)
    order = np.argsort(score)
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    n_pos, n_neg = int(same.sum()), int((~same).sum())
    auc = (ranks[same].sum() - n_pos * (n_pos + 1) / 2) / max(n_pos * n_neg, 1)
    print(f"validation {np.datetime64(after, 'D')}..{np.datetime64(before, 'D')}: AUC {auc:.4f} "
          f"({n_pos} same-story pairs, {n_neg} others); same-story median cosine "
          f"{np.median(score[same]):.3f}, others {np.median(score[~same]):.3f}", file=sys.stderr)


def write_model(base: Path, out: Path, table: np.ndarray, args: argparse.Namespace,
                before: int) -> None:
    """The base folder with the fine-tuned table (float16) and a README saying how."""
    from safetensors.numpy import save_file

    # LICENSE (the Apache-2.0 text) is committed once in the model folder and kept, as
    # scripts/distill_embedder.py does; everything else is rebuilt.
    licence = out / "LICENSE"
    licence_text = licence.read_bytes() if licence.exists() else None
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base, out)
    if licence_text is not None:
        (out / "LICENSE").write_bytes(licence_text)
    save_file({"embeddings": table.astype(np.float16)}, str(out / "model.safetensors"))
    base_readme = (base / "README.md").read_text(encoding="utf-8")
    (out / "README.md").write_text(
        base_readme.rstrip("\n").rsplit("\n\nLicence:", 1)[0] + README.format(
            base_sha=sha256(base / "model.safetensors"), before=np.datetime64(before, "D"),
            epochs=args.epochs, lr=args.lr, l2=args.l2, tau=args.tau, batch=args.batch,
            seed=args.seed, torch=_torch_version(),
        ),
        encoding="utf-8",
    )
    (out / "NOTICE").write_text((base / "NOTICE").read_text(encoding="utf-8") + NOTICE,
                                encoding="utf-8")
    print(f"wrote {out} (model.safetensors sha256 {sha256(out / 'model.safetensors')}; "
          f"base {sha256(base / 'model.safetensors')}; before {np.datetime64(before, 'D')}; "
          f"{vars(args)})")


def _torch_version() -> str:
    """The torch version the table was tuned with (recorded: it decides the bytes)."""
    import torch

    return str(torch.__version__)


README = """

## Fine-tuned for "same story" (storyline issue 5)

The distilled table above (`model.safetensors` sha256 `{base_sha}`) was then fine-tuned by
`scripts/finetune_embedder.py` (torch {torch}, one thread, deterministic) so that headlines of
one news story come closer than same-day headlines of other stories: symmetric InfoNCE with
same-day in-batch negatives over pairs of headlines of one story, {epochs} epochs, Adam lr {lr},
L2 {l2} towards the distilled vectors, temperature {tau}, batch {batch}, seed {seed}.
Training data: the titles and story labels of the UCI News Aggregator dataset (Gasparetti
2017, UCI Machine Learning Repository, CC BY 4.0) dated before {before} only. Word pieces that
no training title uses keep their distilled vectors exactly.

Rebuild (byte for byte)::

    HF_HUB_OFFLINE=1 python scripts/distill_embedder.py --out /tmp/minilm-distilled
    python scripts/finetune_embedder.py --base /tmp/minilm-distilled \\
        --out storyline/models/minilm-static

Licence: Apache License 2.0, like its teacher (see LICENSE and NOTICE); the training data's
CC BY 4.0 attribution is in NOTICE.
"""

NOTICE = """
Fine-tuned in storyline's scripts/finetune_embedder.py on titles and story labels from the
UCI News Aggregator dataset: F. Gasparetti, "News Aggregator", UCI Machine Learning
Repository (2017), licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
Only the titles' word-piece vectors were adjusted; no titles are included.
"""


if __name__ == "__main__":
    main()
