"""How far above the engine's real-vs-real best-score W1 a perfect protein generator lands:
the bound of the motif W1 target (gansci_protein.plugin.W1_TIMES).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/protein_w1_baseline.py --draws 200

The baseline is what validation computes: each motif's best-score W1 of the first 1600
training sequences to the 1600 held-out ones. A perfect generator is played by draws of
2500 of the other 4800 training sequences (as many as validation generates), each scored
against the held-out set the same way; printed: the baseline and quantiles of the ratio.
"""

from __future__ import annotations

import argparse

import numpy as np
from gansci_protein.data import protein_family
from scipy.stats import wasserstein_distance


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=200)
    p.add_argument("--n-samples", type=int, default=2500)
    args = p.parse_args()
    data = protein_family()
    train = data.best_scores(data.decode(data.split("train")))
    test = data.best_scores(data.decode(data.split("test")))
    n, rest = len(test), train[len(test) :]
    names = [pwm.name for pwm in data.pwms]
    base = np.array([wasserstein_distance(train[:n, k], test[:, k]) for k in range(len(names))])
    rng = np.random.default_rng(0)
    ratios = np.array(
        [
            [wasserstein_distance(draw[:, k], test[:, k]) for k in range(len(names))] / base
            for draw in (
                rest[rng.choice(len(rest), args.n_samples, replace=False)]
                for _ in range(args.draws)
            )
        ]
    )
    for k, name in enumerate(names):
        q = np.quantile(ratios[:, k], [0.5, 0.95, 0.999])
        print(
            f"{name}: real-vs-real W1 {base[k]:.3f} bits; other real / baseline: median "
            f"{q[0]:.2f}, 95% {q[1]:.2f}, 99.9% {q[2]:.2f}, max {ratios[:, k].max():.2f}"
        )


if __name__ == "__main__":
    main()
