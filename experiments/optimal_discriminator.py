"""The optimal discriminator: a trained D against D* = p_data / (p_data + p_g), in 1-D.

With p_data and p_g two known Gaussians and G frozen, gansci's MLP discriminator is trained
with the non-saturating (binary cross-entropy) discriminator loss on fresh samples of both
until it converges; D(x) = sigmoid(logit) is then compared with D*(x) on a grid wherever
either density exceeds 1e-3. The value V(D, G) = E_data log D + E_g log(1 - D) is computed
by quadrature for D* and checked against 2 JSD(p_data || p_g) - log 4 (Goodfellow et al.
2014, Theorem 1), with the JSD by its own quadrature. Prints the table, saves the figure,
exits 1 if max |D - D*| > 0.03 on the support or the identity is off by more than 1e-3.

    python experiments/optimal_discriminator.py    # about 20 s of CPU on one core
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
from scipy import integrate, stats  # noqa: E402
from torch import nn  # noqa: E402

from gansci.config import TrainConfig  # noqa: E402
from gansci.data import Dataset  # noqa: E402
from gansci.engine.losses import LOSSES  # noqa: E402
from gansci.engine.player import Player  # noqa: E402
from gansci.nets.mlp import MLPDiscriminator  # noqa: E402

DATA = (0.0, 1.0)  # p_data = N(0, 1)
FAKE = (2.0, 1.25)  # p_g = N(2, 1.25^2): shifted and wider, so log D*/(1 - D*) is quadratic
SUPPORT_DENSITY = 1e-3
MAX_ERROR = 0.03
IDENTITY_TOL = 1e-3
LIMITS = (-15.0, 15.0)  # both densities are below 1e-40 outside
FIGURE = Path(__file__).parent / "figures" / "optimal_discriminator.png"


def log_densities(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return stats.norm.logpdf(x, *DATA), stats.norm.logpdf(x, *FAKE)


def optimal_d(x: np.ndarray) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g), in logs so the tails do not underflow."""
    lp, lq = log_densities(x)
    return np.exp(lp - np.logaddexp(lp, lq))


def value_of_optimal_d() -> float:
    """V(D*, G) = E_data log D* + E_g log(1 - D*) by adaptive quadrature."""

    def integrand(x: float) -> float:
        lp, lq = log_densities(np.array(x))
        lm = np.logaddexp(lp, lq)
        return float(np.exp(lp) * (lp - lm) + np.exp(lq) * (lq - lm))

    return integrate.quad(integrand, *LIMITS, points=[DATA[0], FAKE[0]], limit=200)[0]


def jsd() -> float:
    """JSD(p_data || p_g) = (KL(p || m) + KL(q || m)) / 2 with m = (p + q) / 2, by quadrature."""

    def kl_to_mixture(x: float, which: int) -> float:
        lp, lq = log_densities(np.array(x))
        lm = np.logaddexp(lp, lq) - math.log(2)
        la = (lp, lq)[which]
        return float(np.exp(la) * (la - lm))

    kls = [
        integrate.quad(kl_to_mixture, *LIMITS, args=(w,), points=[DATA[0], FAKE[0]], limit=200)[0]
        for w in (0, 1)
    ]
    return 0.5 * sum(kls)


def value_of(d: np.ndarray, x: np.ndarray) -> float:
    """V(D, G) for D given on the grid ``x``, by Simpson's rule."""
    lp, lq = log_densities(x)
    d = np.clip(d, 1e-12, 1 - 1e-12)
    return float(integrate.simpson(np.exp(lp) * np.log(d) + np.exp(lq) * np.log1p(-d), x=x))


def train_discriminator(
    n_steps: int = 3000, batch_size: int = 2048, lr: float = 2e-3, seed: int = 0
) -> nn.Module:
    """gansci's MLPDiscriminator trained to convergence against the frozen p_g.

    Every step draws fresh samples of both distributions (the population objective, not a
    finite sample of it); the learning rate decays linearly to zero so the last steps
    average out the sampling noise.
    """
    torch.manual_seed(seed)
    real = torch.distributions.Normal(*DATA)
    fake = torch.distributions.Normal(*FAKE)
    shape_only = Dataset(real.sample((1000, 1)), real.sample((100, 1)))  # sets D's input size
    D = MLPDiscriminator(shape_only, hidden=64, depth=2, activation="elu")
    settings = TrainConfig(lr=lr, betas=[0.9, 0.999], lr_schedule="linear").player("")
    player = Player(list(D.parameters()), settings, "adam", n_steps)
    loss = LOSSES["ns"]
    for _ in range(n_steps):
        x_real = real.sample((batch_size, 1))
        x_fake = fake.sample((batch_size, 1))
        player.step(loss.discriminator(D(x_real), D(x_fake)))
        player.scheduler.step()
    return D.eval()


@torch.no_grad()
def d_on(D: nn.Module, x: np.ndarray) -> np.ndarray:
    return torch.sigmoid(D(torch.as_tensor(x, dtype=torch.float32)[:, None])).double().numpy()


def compare(D: nn.Module) -> dict[str, float]:
    """Every number of the table: D against D* on the support, and the values of the game."""
    x = np.linspace(*LIMITS, 30001)
    lp, lq = log_densities(x)
    support = np.maximum(lp, lq) > math.log(SUPPORT_DENSITY)
    error = np.abs(d_on(D, x) - optimal_d(x))[support]
    v_star, js = value_of_optimal_d(), jsd()
    return {
        "support_low": float(x[support].min()),
        "support_high": float(x[support].max()),
        "max_abs_error": float(error.max()),
        "mean_abs_error": float(error.mean()),
        "V(D*,G)": v_star,
        "JSD": js,
        "2 JSD - log 4": 2 * js - math.log(4),
        "identity_gap": abs(v_star - (2 * js - math.log(4))),
        "V(D*,G) on grid": value_of(optimal_d(x), x),
        "V(D,G) trained": value_of(d_on(D, x), x),
    }


def check(r: dict[str, float]) -> list[str]:
    failures = []
    if r["max_abs_error"] > MAX_ERROR:
        failures.append(f"max |D - D*| = {r['max_abs_error']:.4f} > {MAX_ERROR} on the support")
    if r["identity_gap"] > IDENTITY_TOL:
        failures.append(f"|V(D*,G) - (2 JSD - log 4)| = {r['identity_gap']:.2e} > {IDENTITY_TOL}")
    if r["V(D,G) trained"] > r["V(D*,G)"] + IDENTITY_TOL:  # D* maximises V: nothing beats it
        failures.append(f"trained V = {r['V(D,G) trained']:.5f} exceeds V(D*) = {r['V(D*,G)']:.5f}")
    return failures


def plot(D: nn.Module, r: dict[str, float], path: Path) -> None:
    x = np.linspace(-4.5, 7.0, 1001)
    lp, lq = log_densities(x)
    d, d_star = d_on(D, x), optimal_d(x)
    fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax.fill_between(x, np.exp(lp), alpha=0.25, label=f"p_data = N{DATA}")
    ax.fill_between(x, np.exp(lq), alpha=0.25, label=f"p_g = N({FAKE[0]}, {FAKE[1]}²)")
    ax.plot(x, d_star, "k", lw=2.5, label="D* = p_data / (p_data + p_g)")
    ax.plot(x, d, "r--", lw=1.5, label="D trained (MLP, NS loss)")
    ax.set_xlabel("x")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("the trained discriminator against the optimal one")
    ax_err.plot(x, np.abs(d - d_star), "r")
    ax_err.axhline(MAX_ERROR, color="k", ls=":", label=f"tolerance {MAX_ERROR}")
    for edge in (r["support_low"], r["support_high"]):
        ax_err.axvline(edge, color="gray", ls="--", lw=0.8)
    ax_err.set_xlabel("x")
    ax_err.set_title(f"|D - D*| (dashed: where a density > {SUPPORT_DENSITY:g})")
    ax_err.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    D = train_discriminator(args.steps, args.batch_size, seed=args.seed)
    r = compare(D)
    print(f"p_data = N{DATA}, p_g = N{FAKE} (mean, std); D trained {args.steps} steps")
    print(
        f"support (a density > {SUPPORT_DENSITY:g}): [{r['support_low']:.3f}, "
        f"{r['support_high']:.3f}]"
    )
    for key in (
        "max_abs_error",
        "mean_abs_error",
        "V(D*,G)",
        "2 JSD - log 4",
        "identity_gap",
        "JSD",
        "V(D*,G) on grid",
        "V(D,G) trained",
    ):
        print(f"{key:<18}{r[key]:>14.6g}")
    plot(D, r, args.figure)
    print(f"figure: {args.figure}")
    failures = check(r)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
