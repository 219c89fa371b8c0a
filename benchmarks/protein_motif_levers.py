"""Motif fidelity of a finished protein run under sampling levers that need no retraining.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/protein_motif_levers.py runs/protein-s0

Prints one JSON line per variant (the run's EMA generator as validated; the live generator;
the EMA weights averaged over the kept checkpoints; sampling temperatures below 1) with
motif 2's hit rates, the pairwise identity and, for the run as validated, each motif's
best-score quantiles and its share of exact consensus instances against held-out real.
Samples are drawn as validation draws them (2500, seeded by ``validate.seed``).
"""

from __future__ import annotations

import argparse
import copy
import json

import numpy as np
import torch
from gansci_protein import metrics as M

from gansci import Experiment
from gansci.engine import checkpoint

QUANTILES = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9]


def draw(exp: Experiment, generator: torch.nn.Module, temperature: float) -> list[str]:
    seed, n = exp.config.validate.seed, 2500
    with torch.no_grad():
        z = exp.game.latent(n, torch.Generator().manual_seed(seed))
        probs = (generator.logits(z) / temperature).softmax(-1)
    return exp.data.decode(probs, generator=torch.Generator().manual_seed(seed))


def summary(name: str, fake: list[str], real: list[str], exp: Experiment) -> dict:
    motif = M.motif_hits(fake, real, exp.data)
    keys = [f"motif2_hit_{t}" for t in ("fpr", "p05", "p10")]
    return {
        "variant": name,
        **{k: round(motif[k], 3) for k in keys},
        "pairwise_identity": round(M.diversity(fake, real, exp.data)["pairwise_identity"], 3),
    }


def averaged_ema(exp: Experiment) -> torch.nn.Module:
    """A copy of the EMA generator holding the mean of the kept checkpoints' EMA weights."""
    paths = sorted((exp.run_dir / "checkpoints").glob("step-*.pt"))
    states = [checkpoint.load(p, "cpu")["game"] for p in paths]
    prefix = "ema.G."
    mean = {
        k[len(prefix) :]: sum(s[k].float() for s in states) / len(states)
        for k in states[0]
        if k.startswith(prefix)
    }
    g = copy.deepcopy(exp.game.sampler("G"))
    g.load_state_dict(mean)
    print(json.dumps({"averaged_checkpoints": [p.name for p in paths]}))
    return g.eval()


def best_score_profile(fake: list[str], real: list[str], exp: Experiment) -> None:
    data = exp.data
    gen, ref = data.best_scores(fake), data.best_scores(real)
    for k, pwm in enumerate(data.pwms):
        top = pwm.log_odds.max(1).sum()
        row = {
            "motif": pwm.name,
            "quantiles": QUANTILES,
            "generated": np.round(np.quantile(gen[:, k], QUANTILES), 1).tolist(),
            "real": np.round(np.quantile(ref[:, k], QUANTILES), 1).tolist(),
            "consensus_score": round(float(top), 2),
            "generated_at_consensus": round(float(np.isclose(gen[:, k], top).mean()), 3),
            "real_at_consensus": round(float(np.isclose(ref[:, k], top).mean()), 3),
        }
        print(json.dumps(row))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("run")
    p.add_argument("--temperatures", type=float, nargs="*", default=[0.9])
    args = p.parse_args()
    torch.set_num_threads(1)
    exp = Experiment.load(args.run)
    data, game = exp.data, exp.game
    real = data.decode(data.split("test", min(2500, data.n_test, data.n_train)))
    ema, live = game.sampler("G").eval(), game.G.eval()
    fake = draw(exp, ema, 1.0)
    print(json.dumps(summary("as validated (EMA, temperature 1)", fake, real, exp)))
    best_score_profile(fake, real, exp)
    print(json.dumps(summary("live generator", draw(exp, live, 1.0), real, exp)))
    print(json.dumps(summary("EMA averaged", draw(exp, averaged_ema(exp), 1.0), real, exp)))
    for t in args.temperatures:
        print(json.dumps(summary(f"temperature {t}", draw(exp, ema, t), real, exp)))


if __name__ == "__main__":
    main()
