"""How close a transition-game run's learned map is to the true one, checkpoint by checkpoint.

The map error is the median (and 90th percentile) of |G(x_t) - x_t+1| over held-out
transitions, in the dataset's standard units, for the weights samples are drawn with (EMA
when the run keeps one). For a polynomial map with no hidden layer (``generator.depth=0``)
it also prints the learned coefficients beside the least-squares fit of the same terms to
the held-out transitions: for Hénon, whose map is quadratic, that fit is the true map.

    .venv/bin/python experiments/map_error.py runs/henon-s0 [runs/henon-s1 ...]
"""

from __future__ import annotations

import argparse

import torch

from gansci.engine import checkpoint
from gansci.experiment import Experiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="run folders of the transition game")
    parser.add_argument("-n", type=int, default=20_000, help="held-out transitions used")
    args = parser.parse_args()
    torch.set_printoptions(precision=4, sci_mode=False)
    for run in args.runs:
        exp = Experiment.load(run, device="cpu")
        game, real = exp.game, exp.data.test[: args.n]
        x = real[:, 0]
        for path in sorted((exp.run_dir / "checkpoints").glob("step-*.pt")):
            game.load_state_dict(checkpoint.load(path)["game"])
            G = game.sampler("G")
            z = torch.zeros(len(x), G.noise_dim)  # the noise's mean, for a stochastic map
            with torch.no_grad():
                error = (G.step(x, z) - real[:, 1]).norm(dim=1)
            q50, q90 = error.quantile(torch.tensor([0.5, 0.9])).tolist()
            print(f"{run} {path.name}: map error median {q50:.2e}, 90th pct {q90:.2e}")
        if len(G.net) == 1:  # a polynomial map: its coefficients against least squares
            terms = G.features(x.double(), z.double())
            terms = torch.cat([terms, torch.ones(len(x), 1, dtype=terms.dtype)], 1)
            fit = torch.linalg.lstsq(terms, (real[:, 1] - x).double()).solution.T
            learned = torch.cat([G.net[0].weight, G.net[0].bias[:, None]], 1)
            print("  learned (last checkpoint):\n", learned.detach())
            print("  least-squares fit of the same terms:\n", fit.float())


if __name__ == "__main__":
    main()
