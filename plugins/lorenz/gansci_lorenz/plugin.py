"""Registrations of the lorenz plugin: attractor datasets, the D2 and invariant-measure
metrics, report figures, the VAE comparison game and the tuned recipes."""

from __future__ import annotations

import numpy as np

from gansci.plugin import FigureSpec, MetricSpec, RecipeSpec, Spec, Target, hookimpl, mmd
from gansci_lorenz import datasets, dynamics, figures, measures, vae

ATTRACTOR = ("attractor",)


@hookimpl
def gansci_datasets() -> list[Spec]:
    d = datasets.DOMAINS
    return [
        Spec(
            "lorenz63",
            "Lorenz-63 attractor points (sigma=10, rho=28, beta=8/3)",
            datasets.lorenz63,
            d,
        ),
        Spec("rossler", "Rössler attractor points (a=0.2, b=0.2, c=5.7)", datasets.rossler, d),
        Spec("henon", "Hénon map attractor points (a=1.4, b=0.3)", datasets.henon, d),
        Spec(
            "attractor_file",
            "your states or delay-embedded scalar series (data.path=FILE)",
            datasets.attractor_file,
            d,
        ),
    ]


@hookimpl
def gansci_generators() -> list[Spec]:
    return [
        Spec(
            "map",
            "one step of a dynamical system, x_t+1 = x_t + MLP(x_t, z) (degree=k: and monomials"
            " of x_t), for the transition game",
            dynamics.MapGenerator,
            (datasets.TRANSITIONS,),
        )
    ]


@hookimpl
def gansci_games() -> list[Spec]:
    return [
        Spec(
            "transition",
            "GAN of the dynamics: D judges transitions (x_t, x_t+1); samples iterate G",
            dynamics.TransitionGame,
            (datasets.TRANSITIONS,),
        ),
        Spec(
            "vae",
            "VAE baseline: ELBO on the generator as decoder, noisy samples",
            vae.VAEGame,
            ("vector",),
        ),
    ]


def _subsample(a: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    a = np.asarray(a).reshape(len(a), -1)
    return a if len(a) <= n else a[rng.choice(len(a), n, replace=False)]


@hookimpl
def gansci_metrics() -> list[MetricSpec]:
    return [
        MetricSpec(
            "d2",
            "correlation dimension on the real scaling region (same radii), calibrated SE",
            lambda x, y, data, rng: measures.d2_compare(x, y),
            ATTRACTOR,
            {"d2_gap": Target("at_most", 0.1)},
        ),
        MetricSpec(
            "attractor",
            "off-attractor mass, coverage (99th pct real NN radius), occupancy JS (bits)",
            lambda x, y, data, rng: measures.attractor_metrics(x, y),
            ATTRACTOR,
            {"off_attractor": Target("at_most", 0.02), "coverage": Target("at_least", 0.95)},
        ),
        MetricSpec(
            "mmd_2k",
            "core MMD² with permutation p-value on 2,000-point subsamples",
            lambda x, y, data, rng: mmd(_subsample(x, 2000, rng), _subsample(y, 2000, rng), rng),
            ATTRACTOR,
        ),
    ]


@hookimpl
def gansci_figures() -> list[FigureSpec]:
    return [
        FigureSpec("attractor", "the attractor, real and generated", figures.attractor, ATTRACTOR),
        FigureSpec(
            "correlation_sum",
            "correlation sum C(r) and local slopes (real region shaded)",
            figures.correlation_sums,
            ATTRACTOR,
        ),
        FigureSpec(
            "occupancy",
            "occupancy histograms, real and generated",
            figures.occupancy_histograms,
            ATTRACTOR,
        ),
    ]


VALIDATE_METRICS = ["d2", "attractor", "swd", "mmd_2k", "c2st"]


def recipe_config(
    dataset: str,
    latent_dim: int,
    steps: int = 20000,
    hidden: int = 128,
    depth: int = 3,
    fourier_features: int = 64,
    fourier_scale: float = 2.0,
    penalty_weight: float = 0.03,
) -> dict:
    return {
        "data": {"name": dataset},
        "networks": {
            "G": {"name": "mlp", "latent_dim": latent_dim, "hidden": hidden, "depth": depth},
            # Random Fourier features let D resolve detail far finer than the attractor's
            # extent, which a plain MLP learns slowly; R1 instead of spectral norm lets D be
            # as steep as that detail needs. Measured against the alternatives in
            # benchmarks/RESULTS.md.
            "D": {
                "name": "mlp",
                "hidden": hidden,
                "depth": depth,
                "fourier_features": fourier_features,
                "fourier_scale": fourier_scale,
            },
        },
        "game": {
            "name": "standard",
            "loss": "ns",
            "penalty": "r1",
            "penalty_weight": penalty_weight,
        },
        "train": {
            "steps": steps,
            "batch_size": 256,
            "lr": 1e-3,
            "betas": [0.5, 0.999],
            # decayed to zero so the last steps settle on the attractor
            "lr_schedule": "linear",
            "ema": 0.999,
            "checkpoint_every": 5000,
        },
        "validate": {"n_samples": 50_000, "metrics": VALIDATE_METRICS},
    }


def henon_config() -> dict:
    """The Hénon recipe learns the map rather than the points: a generator of points
    leaves ~40 % of them between the attractor's layers, which lie ~0.002 apart
    (benchmarks/RESULTS.md); iterating a learned map draws every layer. The Hénon map is a
    quadratic polynomial, so G is one (monomials to degree 2, no hidden layer): an MLP map
    ended ~0.002 off, about the layer spacing, this one ~2e-5."""
    cfg = recipe_config("henon", 0, fourier_features=128)
    cfg["data"]["transitions"] = True
    # deterministic: noise inputs only blur the map (dz = 2 left 7 % off-attractor)
    cfg["networks"]["G"] = {"name": "map", "latent_dim": 0, "degree": 2, "depth": 0}
    cfg["game"]["name"] = "transition"
    # G has 12 weights to find: at 2e-3 it is within 3e-4 of the map by mid-run on
    # seeds 0-2; at D's 5e-4 it ended 5.5e-4 off (2.4 % off-attractor)
    cfg["train"].update(players={"G": {"lr": 2e-3}, "D": {"lr": 5e-4}}, batch_size=512)
    return cfg


@hookimpl
def gansci_recipes() -> list[RecipeSpec]:
    return [
        RecipeSpec(
            "lorenz",
            "Lorenz-63 invariant measure, MLP GAN dz=3, Fourier-feature D with R1",
            recipe_config("lorenz63", 3),
        ),
        RecipeSpec(
            "rossler",
            "Rössler invariant measure, MLP GAN dz=3, Fourier-feature D with R1",
            recipe_config("rossler", 3),
        ),
        RecipeSpec(
            "henon",
            "Hénon invariant measure, GAN of its quadratic map (transition game), iterated",
            henon_config(),
        ),
    ]
