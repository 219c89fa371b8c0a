"""A complete gansci plugin: a 1-D double-well dataset, a barrier metric and a recipe."""

import numpy as np
import torch

from gansci.plugin import Dataset, MetricSpec, RecipeSpec, Spec, hookimpl, split_train_test

DOMAINS = ("double_well", "vector")  # the core's vector metrics apply too


def double_well(n: int = 20000, beta: float = 3.0, seed: int = 0) -> Dataset:
    """Samples of p(x) ∝ exp(-beta (x² - 1)²), by rejection; samples are (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, 8 * n)
    keep = rng.uniform(size=x.size) < np.exp(-beta * (x**2 - 1) ** 2)
    points = torch.tensor(x[keep][:n, None], dtype=torch.float32)
    return Dataset(*split_train_test(points, 0.2, seed), domains=DOMAINS)


def barrier(samples, real, data, rng) -> dict[str, float]:
    """Mass near the barrier top (|x| < 0.3) and the share of the right well."""
    x = np.asarray(samples).ravel()
    return {"barrier_mass": float(np.mean(np.abs(x) < 0.3)), "right": float(np.mean(x > 0))}


@hookimpl
def gansci_datasets():
    return [Spec("double_well", "1-D double well, exp(-beta (x²-1)²)", double_well, DOMAINS)]


@hookimpl
def gansci_metrics():
    return [MetricSpec("barrier", "mass on the barrier, share of the right well", barrier, DOMAINS)]


@hookimpl
def gansci_recipes():
    config = {
        "data": {"name": "double_well"},
        "networks": {
            "G": {"name": "mlp", "latent_dim": 2, "hidden": 64, "depth": 2},
            "D": {"name": "mlp", "hidden": 64, "depth": 2},
        },
        "game": {"name": "standard", "loss": "ns", "penalty": "r1", "penalty_weight": 0.1},
        "train": {"steps": 3000, "batch_size": 256, "lr": 1e-3, "ema": 0.999},
        "validate": {"metrics": ["barrier", "energy"]},
    }
    return [RecipeSpec("double_well", "GAN of the 1-D double well", config)]
