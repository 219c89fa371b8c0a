"""The `protein` recipe with overrides on the bundled family: train, validate, print the
issue's target metrics and the training CPU time as one JSON line (appended to --log).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/protein_recipe_variants.py blocks4 6000 \
        generator.blocks=4

Each run trains single-threaded from seed 0 (``--seed``) into runs/protein_variants/NAME.
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import time
from pathlib import Path

import torch

from gansci import Experiment

MOTIF_KEYS = [
    f"protein_motif.{real}motif{k}_hit_{label}"
    for k in (1, 2)
    for label in ("fpr", "p05", "p10")
    for real in ("", "real_")
]
KEYS = [
    "protein_motif.hit_rate",
    "protein_motif.real_hit_rate",
    *MOTIF_KEYS,
    "protein_motif.motif1_w1",
    "protein_motif.motif2_w1",
    "protein_composition.aa_js",
    "protein_composition.dipeptide_js",
    "protein_uniqueness.unique",
    "protein_novelty.nn_identity_excess",
    "protein_novelty.copies",
    "protein_novelty.near_copies_90",
    "protein_diversity.pairwise_identity",
    "protein_diversity.real_pairwise_identity",
]


def parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("name")
    p.add_argument("steps", type=int)
    p.add_argument("overrides", nargs="*", help="dotted key=value, as gansci's --set")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log", default="runs/protein_variants/results.jsonl")
    args = p.parse_args()
    torch.set_num_threads(1)
    overrides = {"train.steps": args.steps, "train.progress": False}
    for item in args.overrides:
        key, _, value = item.partition("=")
        overrides[key] = parse_value(value)
    out = Path("runs/protein_variants") / args.name
    shutil.rmtree(out, ignore_errors=True)
    exp = Experiment.from_recipe(
        "protein", seed=args.seed, device="cpu", out=out, overrides=overrides
    )
    t0 = time.process_time()
    exp.run(validate=False)
    cpu_train = time.process_time() - t0
    rows = exp.validate(write_report=False)
    values = {f"{r.metric}.{r.key}": r.value for r in rows}
    w1_baselines = {f"{r.key}_baseline": round(r.baseline, 4) for r in rows if "w1" in r.key}
    row = {
        "name": args.name,
        "steps": args.steps,
        "seed": args.seed,
        "overrides": args.overrides,
        "cpu_train_s": round(cpu_train, 1),
        **{k.split(".")[1]: round(values[k], 4) for k in KEYS},
        **w1_baselines,
    }
    print(json.dumps(row))
    Path(args.log).parent.mkdir(parents=True, exist_ok=True)
    with open(args.log, "a") as f:
        f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
