"""The bilinear game min_x max_y xy under four update schemes, played by gansci's Players.

Simultaneous gradient descent-ascent spirals out (each step multiplies the distance to the
equilibrium (0, 0) by sqrt(1 + lr^2)), alternating updates orbit at a bounded distance, and
extragradient and optimistic updates converge. Every scheme is played by two
:class:`gansci.engine.trainer.Player` objects over one scalar parameter each, through the
same calls a game makes (``backward``/``update``, ``step``, ``extrapolate``), with the
optimisers gansci trains with (``sgd``, ``optimistic-sgd``). Prints the distance to (0, 0)
after ``--steps`` steps, saves the trajectories, exits 1 if a scheme does not behave so.

    python experiments/bilinear_game.py            # 1,000 steps, lr 0.1, from (1, 1)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from gansci.config import TrainConfig  # noqa: E402
from gansci.engine.player import Player  # noqa: E402

SCHEMES = ("simultaneous", "alternating", "extragradient", "optimistic")
FIGURE = Path(__file__).parent / "figures" / "bilinear_game.png"


def play(scheme: str, n_steps: int = 1000, lr: float = 0.1, start=(1.0, 1.0)) -> np.ndarray:
    """The trajectory ``(n_steps + 1, 2)`` of (x, y) when x minimises and y maximises xy."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; valid: {', '.join(SCHEMES)}")
    x = nn.Parameter(torch.tensor(start[0], dtype=torch.float64))
    y = nn.Parameter(torch.tensor(start[1], dtype=torch.float64))
    optimizer = "optimistic-sgd" if scheme == "optimistic" else "sgd"
    settings = TrainConfig(lr=lr, betas=[0.5, 0.999], lr_schedule="constant").player("")
    px, py = Player([x], settings, optimizer, n_steps), Player([y], settings, optimizer, n_steps)

    def both_backward() -> None:  # both players' gradients at the same point
        value = x * y
        px.backward(value)
        py.backward(-value)

    path = [(x.item(), y.item())]
    for _ in range(n_steps):
        if scheme == "alternating":
            px.step(x * y)
            py.step(-(x * y))  # y answers the x it sees after x's move
        elif scheme == "extragradient":
            both_backward()
            px.extrapolate()
            py.extrapolate()
            both_backward()  # gradients at the look-ahead point, applied from the saved one
            px.update()
            py.update()
        else:  # simultaneous; optimistic is the same calls with the optimistic optimiser
            both_backward()
            px.update()
            py.update()
        px.scheduler.step()
        py.scheduler.step()
        path.append((x.item(), y.item()))
    return np.array(path)


def check(paths: dict[str, np.ndarray]) -> list[str]:
    """The claims, as a list of failures (empty when every scheme behaves as the theory says)."""
    failures = []
    r0 = float(np.hypot(*paths[SCHEMES[0]][0]))
    radius = {s: np.hypot(p[:, 0], p[:, 1]) for s, p in paths.items()}
    r = radius["simultaneous"]
    if not (r[-1] > 10 * r0 and np.all(np.diff(r) > 0)):
        failures.append(f"simultaneous should spiral out: |.| went {r0:.3g} -> {r[-1]:.3g}")
    r = radius["alternating"]
    if not (r.max() < 2 * r0 and r[-1] > 0.5 * r0):
        failures.append(
            f"alternating should orbit: |.| ranged {r.min():.3g}..{r.max():.3g} from {r0:.3g}"
        )
    for s in ("extragradient", "optimistic"):
        r = radius[s]
        if not r[-1] < 0.05 * r0:
            failures.append(f"{s} should converge: |.| went {r0:.3g} -> {r[-1]:.3g}")
    return failures


def plot(paths: dict[str, np.ndarray], path: Path) -> None:
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.6))
    for ax, (scheme, p) in zip(axes, paths.items(), strict=False):
        ax.plot(p[:, 0], p[:, 1], lw=0.7)
        ax.plot(*p[0], "go", ms=5, label="start")
        ax.plot(*p[-1], "rs", ms=5, label="end")
        ax.plot(0, 0, "k+", ms=10)
        ax.set_title(scheme)
        ax.set_xlabel("x (min)")
        ax.set_aspect("equal", adjustable="datalim")
    axes[0].set_ylabel("y (max)")
    axes[0].legend(loc="lower left", fontsize=8)
    ax = axes[-1]
    for scheme, p in paths.items():
        ax.semilogy(np.hypot(p[:, 0], p[:, 1]), label=scheme)
    ax.set_xlabel("step")
    ax.set_title("distance to (0, 0)")
    ax.legend(fontsize=8)
    fig.suptitle("min_x max_y xy, lr 0.1: the updates of gansci's Players")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args(argv)
    paths = {s: play(s, args.steps, args.lr) for s in SCHEMES}
    r0 = float(np.hypot(*paths[SCHEMES[0]][0]))
    print(f"distance to (0, 0) after {args.steps} steps, lr {args.lr}, from (1, 1) at {r0:.4f}")
    print(f"{'scheme':<15}{'final':>12}{'min':>12}{'max':>12}")
    for s, p in paths.items():
        r = np.hypot(p[:, 0], p[:, 1])
        print(f"{s:<15}{r[-1]:>12.4g}{r.min():>12.4g}{r.max():>12.4g}")
    theory = r0 * math.sqrt(1 + args.lr**2) ** args.steps
    extra = r0 * math.sqrt(1 - args.lr**2 + args.lr**4) ** args.steps
    print(f"(in theory: simultaneous {r0:.4f} * sqrt(1 + lr^2)^steps = {theory:.4g},")
    print(f" extragradient {r0:.4f} * sqrt(1 - lr^2 + lr^4)^steps = {extra:.4g})")
    plot(paths, args.figure)
    print(f"figure: {args.figure}")
    failures = check(paths)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
