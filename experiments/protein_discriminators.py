"""The three protein discriminators (pwm, cnn, pwm+cnn) on the bundled family, several
seeds each: a table of every protein metric, mean and spread over seeds.

The expectation tested: a PWM-only discriminator teaches the motif and nothing outside it;
a CNN critic learns composition and context; the combination gives both.

    .venv/bin/python experiments/protein_discriminators.py --steps 1000 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from gansci import Experiment

RECIPES = {"pwm": "protein-pwm", "cnn": "protein-cnn", "pwm+cnn": "protein"}
SHOWN = [
    "protein_motif.hit_rate",
    "protein_motif.score_w1",
    "protein_composition.aa_js",
    "protein_composition.dipeptide_js",
    "protein_conservation.entropy_mae",
    "protein_uniqueness.unique",
    "protein_novelty.nn_identity_excess",
    "protein_diversity.pairwise_identity",
    "protein_length.length_w1",
    "protein_true_loglik.loglik",
    "protein_true_loglik.impossible",
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--n-samples", type=int, default=1000)
    p.add_argument("--set", action="append", default=[], help="extra overrides, key=value")
    p.add_argument("--out", type=Path, default=Path("runs/protein_discriminators"))
    args = p.parse_args()
    torch.set_num_threads(1)
    from gansci.config import overrides_to_dict

    extra = overrides_to_dict(args.set)
    results: dict[str, list[dict[str, float]]] = {}
    baseline: dict[str, float] = {}
    for name, recipe in RECIPES.items():
        for seed in args.seeds:
            out = args.out / f"{name}-seed{seed}"
            overrides = {
                "train": {"steps": args.steps, "progress": False},
                "validate": {"n_samples": args.n_samples},
            }
            for key, value in extra.items():
                overrides[key] = {**overrides.get(key, {}), **value}
            exp = Experiment.from_recipe(recipe, seed=seed, device="cpu", out=out, **overrides)
            t0 = time.process_time()
            exp.run(validate=False)
            cpu = time.process_time() - t0
            rows = exp.validate()
            values = {f"{r.metric}.{r.key}": r.value for r in rows}
            baseline.update({f"{r.metric}.{r.key}": r.baseline for r in rows})
            values["cpu_s"] = cpu
            results.setdefault(name, []).append(values)
            print(f"{name} seed {seed}: cpu {cpu:.0f} s", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps({"runs": results, "baseline": baseline}))
    header = "| metric | " + " | ".join(RECIPES) + " | real vs real |"
    lines = [header, "|---" + "|---:" * (len(RECIPES) + 1) + "|"]
    for key in [*SHOWN, "cpu_s"]:
        cells = []
        for name in RECIPES:
            v = np.array([r.get(key, np.nan) for r in results[name]])
            cells.append(f"{v.mean():.4g} ± {v.std(ddof=1) if len(v) > 1 else 0:.2g}")
        lines.append(f"| {key} | " + " | ".join(cells) + f" | {baseline.get(key, np.nan):.4g} |")
    print(f"\n{args.steps} steps, seeds {args.seeds}, mean ± sd over seeds")
    print("\n".join(lines))
    (args.out / "table.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
