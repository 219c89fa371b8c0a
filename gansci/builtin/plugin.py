"""Registrations of the built-in plugin: found through the ``gansci`` entry point like any."""

from __future__ import annotations

import numpy as np

from gansci.builtin import mixtures, vectors
from gansci.plugin import (
    LOSSES,
    PENALTIES,
    FigureSpec,
    FormatSpec,
    MetricSpec,
    MLPDiscriminator,
    MLPGenerator,
    RecipeSpec,
    Spec,
    StandardGame,
    Target,
    c2st,
    energy_distance,
    hookimpl,
    mmd,
    prdc,
    sliced_wasserstein,
)

VECTOR = ("vector",)


@hookimpl
def gansci_datasets() -> list[Spec]:
    return [
        Spec(
            "ring8", "8 Gaussians on a circle of radius 2, std 0.02", mixtures.ring8, ("mixture",)
        ),
        Spec(
            "grid25",
            "25 Gaussians on a 5x5 grid, spacing 2, std 0.05",
            mixtures.grid25,
            ("mixture",),
        ),
        Spec(
            "vectors", "rows of your own .npy/.csv file (data.path=FILE)", vectors.vectors, VECTOR
        ),
    ]


@hookimpl
def gansci_generators() -> list[Spec]:
    return [Spec("mlp", "MLP from a Gaussian latent to a vector", MLPGenerator, VECTOR)]


@hookimpl
def gansci_discriminators() -> list[Spec]:
    return [Spec("mlp", "MLP from a vector to a logit", MLPDiscriminator, VECTOR)]


@hookimpl
def gansci_games() -> list[Spec]:
    return [Spec("standard", "G vs D, alternating, n_critic D steps per G step", StandardGame)]


@hookimpl
def gansci_losses() -> list[Spec]:
    return [Spec(name, loss.description, lambda loss=loss: loss) for name, loss in LOSSES.items()]


@hookimpl
def gansci_penalties() -> list[Spec]:
    return [Spec(name, p.description, lambda p=p: p) for name, p in PENALTIES.items()]


#: Metrics built on all pairwise distances see at most this many samples a side (a random
#: subset), so validating 50,000 samples never builds a 50,000 x 50,000 matrix.
MAX_PAIRWISE = 5000


def _flat(a: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    a = np.asarray(a)
    a = a.reshape(len(a), -1)
    if rng is not None and len(a) > MAX_PAIRWISE:
        a = a[rng.choice(len(a), MAX_PAIRWISE, replace=False)]
    return a


@hookimpl
def gansci_metrics() -> list[MetricSpec]:
    return [
        MetricSpec(
            "mmd",
            "MMD² (Gaussian kernel, median bandwidth), permutation p-value; ≤5,000 a side",
            lambda x, y, data, rng: mmd(_flat(x, rng), _flat(y, rng), rng),
            VECTOR,
        ),
        MetricSpec(
            "energy",
            "energy distance; ≤5,000 a side",
            lambda x, y, data, rng: energy_distance(_flat(x, rng), _flat(y, rng)),
            VECTOR,
        ),
        MetricSpec(
            "swd",
            "sliced 1-Wasserstein distance, 256 projections",
            lambda x, y, data, rng: sliced_wasserstein(_flat(x), _flat(y), rng),
            VECTOR,
        ),
        MetricSpec(
            "c2st",
            "k-NN classifier two-sample test: accuracy (0.5 = indistinguishable), p-value",
            lambda x, y, data, rng: c2st(_flat(x), _flat(y), rng),
            VECTOR,
            {"c2st_accuracy": Target("at_most", 0.58)},
        ),
        MetricSpec(
            "prdc",
            "precision, recall, density, coverage (k=5 neighbours); ≤5,000 a side",
            lambda x, y, data, rng: prdc(_flat(y, rng), _flat(x, rng)),
            VECTOR,
            {"coverage": Target("at_least", 0.90)},
        ),
        MetricSpec(
            "modes",
            "modes captured, high-quality fraction, reverse KL (VEEGAN/PacGAN protocol)",
            mixtures.mode_statistics,
            ("mixture",),
            {  # the mode-collapse benchmarks' targets (VEEGAN / PacGAN protocol)
                "modes": Target("within", 0),
                "high_quality": Target("at_least", 0.95),
                "reverse_kl": Target("at_most", 0.02),
            },
        ),
    ]


@hookimpl
def gansci_augmentations() -> list[Spec]:
    return [Spec("jitter", "Gaussian noise of 5% of each feature's std", vectors.jitter, VECTOR)]


@hookimpl
def gansci_formats() -> list[FormatSpec]:
    return [
        FormatSpec(".npy", "NumPy array", VECTOR, vectors.write_npy, vectors.read_samples),
        FormatSpec(".csv", "comma-separated rows", VECTOR, vectors.write_csv, vectors.read_samples),
    ]


@hookimpl
def gansci_figures() -> list[FigureSpec]:
    return [FigureSpec("scatter", "real vs generated samples", vectors.scatter, VECTOR)]


def _mixture_recipe(dataset: str, description: str) -> RecipeSpec:
    return RecipeSpec(
        dataset,
        description,
        {
            "data": {"name": dataset},
            # A mixture-of-Gaussians latent (DeLiGAN) spares the generator the steep
            # transitions between modes that a plain Gaussian latent needs, which is what
            # keeps the high-quality fraction of a plain MLP generator below 95%.
            "networks": {
                "G": {"name": "mlp", "latent_dim": 2, "hidden": 128, "depth": 3, "components": 50},
                "D": {"name": "mlp", "hidden": 128, "depth": 3},
            },
            "game": {"name": "standard", "loss": "ns", "penalty": "r1", "penalty_weight": 0.1},
            "train": {
                "steps": 20000,
                "batch_size": 256,
                "lr": 1e-3,
                "betas": [0.5, 0.999],
                "lr_schedule": "linear",
                "ema": 0.999,
                "eval_every": 5000,
                "eval_metrics": ["modes"],
                "checkpoint_every": 5000,
            },
            "validate": {"n_samples": 2500},
        },
    )


@hookimpl
def gansci_recipes() -> list[RecipeSpec]:
    return [
        _mixture_recipe("ring8", "mode-collapse benchmark: 8 Gaussians on a ring"),
        _mixture_recipe("grid25", "mode-collapse benchmark: 25 Gaussians on a grid"),
    ]
