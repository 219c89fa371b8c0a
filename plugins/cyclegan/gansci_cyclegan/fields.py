"""The `fields` benchmark: periodic Gaussian random fields and a known blur-contrast-noise
map T, so every translation can be checked against its true partner."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from gansci_cyclegan.data import Domains, known_pairs


def random_fields(n: int, size: int, rng: np.random.Generator, slope: float = 3.0) -> np.ndarray:
    """``n`` periodic Gaussian random fields of power spectrum k^-slope, each scaled to
    unit variance, through tanh: (n, size, size) in (-1, 1)."""
    k = np.fft.fftfreq(size)
    radius = np.sqrt(k[:, None] ** 2 + k[None, :] ** 2)
    amplitude = np.where(radius > 0, radius, np.inf) ** (-slope / 2)
    f = np.fft.ifft2(np.fft.fft2(rng.standard_normal((n, size, size))) * amplitude).real
    return np.tanh(f / f.std(axis=(1, 2), keepdims=True))


def transform(u: np.ndarray, rng: np.random.Generator, sigma: float = 1.5,
              gamma: float = 0.6, noise: float = 0.02) -> np.ndarray:  # fmt: skip
    """T: a periodic Gaussian blur, the contrast curve ((u+1)/2)^gamma mapped back to
    [-1, 1], plus Gaussian noise."""
    v = gaussian_filter(u, sigma=(0, sigma, sigma), mode="wrap")
    v = 2 * ((v + 1) / 2) ** gamma - 1
    return v + noise * rng.standard_normal(v.shape)


def fields(
    n_train: int = 512, n_test: int = 256, size: int = 32, paired: bool = False, seed: int = 0
) -> Domains:
    """32×32 tanh Gaussian random fields (A) and T(A) (B): unpaired training draws,
    paired held-out ones; ``paired`` makes training B = T(training A), for the upper bound."""
    rng = np.random.default_rng(seed)
    return known_pairs(
        lambda n, r: random_fields(n, size, r),
        transform,
        n_train,
        n_test,
        paired,
        rng,
        value_range=2.0,
    )
