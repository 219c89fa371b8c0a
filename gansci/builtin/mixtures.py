"""The 2-D Gaussian-mixture benchmarks of mode collapse, and their mode metrics.

ring8 and grid25 are the synthetic sets of Metz et al. 2017 (Unrolled GAN), Srivastava
et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN).
"""

from __future__ import annotations

import numpy as np
import torch

from gansci.plugin import Dataset, split_train_test


class MixtureDataset(Dataset):
    """Isotropic Gaussians of one standard deviation around known centres."""

    def __init__(self, centers: np.ndarray, std: float, n: int, test_fraction: float, seed: int):
        rng = np.random.default_rng(seed)
        self.centers = np.asarray(centers, dtype=np.float64)
        self.std = std
        which = rng.integers(len(self.centers), size=n)
        x = self.centers[which] + std * rng.standard_normal((n, self.centers.shape[1]))
        train, test = split_train_test(torch.tensor(x, dtype=torch.float32), test_fraction, seed)
        super().__init__(train, test, domains=("mixture", "vector"))


def ring8(n: int = 60_000, test_fraction: float = 1 / 6, seed: int = 0) -> MixtureDataset:
    """8 Gaussians (std 0.02) evenly spaced on a circle of radius 2."""
    angles = 2 * np.pi * np.arange(8) / 8
    centers = 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    return MixtureDataset(centers, 0.02, n, test_fraction, seed)


def grid25(n: int = 60_000, test_fraction: float = 1 / 6, seed: int = 0) -> MixtureDataset:
    """25 Gaussians (std 0.05) on the 5x5 grid {-4, -2, 0, 2, 4}^2."""
    ticks = np.arange(-4.0, 5.0, 2.0)
    centers = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), -1).reshape(-1, 2)
    return MixtureDataset(centers, 0.05, n, test_fraction, seed)


def mode_statistics(
    samples: np.ndarray,
    real: np.ndarray,
    dataset: MixtureDataset,
    rng=None,
    n_std: float = 3.0,
    min_count: int = 20,
) -> dict[str, float]:
    """Modes captured, fraction of high-quality samples and reverse KL over modes.

    The protocol of VEEGAN (Srivastava et al. 2017, sec. 5.1) and PacGAN (Lin et al.
    2018, sec. 4.1), on 2,500 samples: a sample is high-quality when it lies within
    ``n_std`` standard deviations of its nearest mode centre; a mode is captured when at
    least ``min_count`` high-quality samples fall on it (the PacGAN reference code counts
    one; 20 is the stricter count this project's benchmark uses); reverse KL is
    KL(q || uniform) of the histogram q of high-quality samples over modes.
    """
    x = np.asarray(samples, dtype=np.float64)
    d = np.linalg.norm(x[:, None, :] - dataset.centers[None], axis=-1)
    nearest, dist = d.argmin(1), d.min(1)
    good = dist <= n_std * dataset.std
    k = len(dataset.centers)
    counts = np.bincount(nearest[good], minlength=k)
    if counts.sum() == 0:
        reverse_kl = float("inf")
    else:
        q = counts / counts.sum()
        nz = q > 0
        reverse_kl = float(np.sum(q[nz] * np.log(q[nz] * k)))
    return {
        "modes": float((counts >= min_count).sum()),
        "high_quality": float(good.mean()),
        "reverse_kl": reverse_kl,
    }
