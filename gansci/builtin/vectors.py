"""Vector data: a user's own array file, sample formats and the scatter figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils._pytree import tree_map

from gansci.plugin import (
    Dataset,
    Kind,
    Op,
    allows,
    read_array,
    split_train_test,
)


def vectors(
    path: str = "", test_fraction: float = 0.2, standardize: bool = True, seed: int = 0
) -> Dataset:
    """Rows of a .npy/.csv/.txt file as samples (``--set data.path=FILE``), standardised
    for the model by default; samples come back in the file's units."""
    if not path:
        from gansci.plugin import ConfigError

        raise ConfigError("dataset 'vectors' reads a file: give it with --set data.path=FILE")
    a = read_array(path, min_rows=4)
    dtype = torch.float64 if standardize else torch.float32
    train, test = split_train_test(torch.tensor(a, dtype=dtype), test_fraction, seed)
    return Dataset(train, test, domains=("vector",), standardize=standardize)


def read_samples(path: str) -> np.ndarray:
    """Samples from a .npy/.csv file: any number of rows, constant ones too (a collapsed
    generator's samples are still samples to judge)."""
    return read_array(path, min_rows=1, allow_constant=True)


def write_npy(samples: np.ndarray, path: str) -> None:
    np.save(path, np.asarray(samples), allow_pickle=False)


def write_csv(samples: np.ndarray, path: str) -> None:
    a = np.asarray(samples)
    np.savetxt(path, a.reshape(len(a), -1), delimiter=",", fmt="%.9g")


def scatter(samples: np.ndarray, real: np.ndarray, dataset: Dataset, path: str) -> None:
    """Real vs generated: the 2-D plane, or the pairwise projections of the first axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = np.asarray(samples).reshape(len(samples), -1), np.asarray(real).reshape(len(real), -1)
    d = min(x.shape[1], 4)
    pairs = [(0, 1)] if d <= 2 else [(i, j) for i in range(d) for j in range(i + 1, d)][:6]
    if d == 1:
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.hist([y[:, 0], x[:, 0]], bins=60, label=["real", "generated"], density=True)
        ax.legend()
    else:
        fig, axes = plt.subplots(1, len(pairs), figsize=(4 * len(pairs), 4), squeeze=False)
        for ax, (i, j) in zip(axes[0], pairs, strict=True):
            ax.scatter(y[:, i], y[:, j], s=2, alpha=0.3, label="real", color="tab:blue")
            ax.scatter(x[:, i], x[:, j], s=2, alpha=0.3, label="generated", color="tab:red")
            ax.set_xlabel(f"x{i}")
            ax.set_ylabel(f"x{j}")
            ax.set_aspect("equal", adjustable="datalim")
        axes[0][0].legend(markerscale=5)
    fig.tight_layout()
    fig.savefig(Path(path), dpi=110)
    plt.close(fig)


def jitter(data: Dataset, scale: float = 0.05):
    """Differentiable augmentation: Gaussian noise of ``scale`` times each feature's std, on
    the leaves with a per-feature scale (continuous ones; a mask or adjacency stays as is)."""
    kinds = data.kinds

    def std(kind: Kind, t: torch.Tensor) -> torch.Tensor:
        if not allows(kind, Op.STANDARDISE):
            return t[:0]  # an empty stand-in: the leaf is never noised
        return t.float().std(0, keepdim=True) * scale

    stds = tree_map(std, kinds, data.train)

    def noisy(kind: Kind, t: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        if not allows(kind, Op.STANDARDISE):
            return t
        return t + std.to(t.device) * torch.randn_like(t)

    def apply(batch):
        return tree_map(noisy, kinds, batch, stds)

    return apply
