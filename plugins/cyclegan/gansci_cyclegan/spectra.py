"""The `spectra` benchmark: clean simulated spectra (sums of Lorentzian peaks) and the same
seen through an instrument (Gaussian response, slow baseline drift, noise), so every 1-D
translation can be checked against its true partner."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

from gansci_cyclegan.data import Domains, known_pairs

SIGMA = 2.5  # the instrument response's standard deviation, in samples
NOISE = 0.01
MEAN_DRIFT = 0.025  # the drift's expectation: the offset's mean, slope and curvature 0


def lorentzians(n: int, length: int, rng: np.random.Generator, max_peaks: int = 10) -> np.ndarray:
    """``n`` spectra of ``length`` samples, each a sum of 3 to ``max_peaks`` Lorentzian
    peaks (height 0.1-1, half width 1-4 samples, centre within the middle 90 %)."""
    x = np.arange(length)
    k = np.arange(max_peaks)
    present = k < rng.integers(3, max_peaks + 1, size=(n, 1))
    centre = rng.uniform(0.05, 0.95, size=(n, max_peaks)) * length
    width = rng.uniform(1.0, 4.0, size=(n, max_peaks))
    height = rng.uniform(0.1, 1.0, size=(n, max_peaks)) * present
    shape = 1 + ((x[None, None, :] - centre[..., None]) / width[..., None]) ** 2
    return (height[..., None] / shape).sum(1)


def drift(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """Slow baselines: an offset in [0, 0.05], a slope and a curvature each within ±0.025
    over the spectrum (t from -1 to 1)."""
    t = np.linspace(-1, 1, length)
    c = rng.uniform([0.0, -0.025, -0.025], [0.05, 0.025, 0.025], size=(n, 3))
    return c[:, :1] + c[:, 1:2] * t + c[:, 2:] * t**2


def instrument(a: np.ndarray, rng: np.random.Generator | None, sigma: float = SIGMA,
               noise: float = NOISE) -> np.ndarray:  # fmt: skip
    """T: a Gaussian instrument response (reflected at the ends), a random slow drift and
    Gaussian noise; without ``rng``, the response and the mean drift alone (the best a
    translator can predict)."""
    b = gaussian_filter1d(a, sigma, axis=1, mode="reflect")
    if rng is None:
        return b + MEAN_DRIFT
    return b + drift(len(a), a.shape[1], rng) + noise * rng.standard_normal(a.shape)


def wiener_inverse(b: np.ndarray, train_a: np.ndarray, train_b: np.ndarray,
                   sigma: float = SIGMA) -> np.ndarray:  # fmt: skip
    """B -> A by Wiener deconvolution with the known response: per frequency of the
    evenly extended signals, conj(H)·S_A / S_B applied to ``b`` minus the mean training B,
    plus the mean training A; the power spectra S_A, S_B come from the unpaired training
    sets, so drift and noise are weighed by what training B shows beyond blurred A; the
    result clipped at 0 (spectra are not negative)."""

    def spectrum(x: np.ndarray) -> np.ndarray:
        return np.fft.rfft(np.concatenate([x, x[:, ::-1]], axis=1), axis=1)

    length = b.shape[1]
    mean_a, mean_b = train_a.mean(0), train_b.mean(0)
    s_a = (np.abs(spectrum(train_a - mean_a)) ** 2).mean(0)
    s_b = (np.abs(spectrum(train_b - mean_b)) ** 2).mean(0)
    f = np.fft.rfftfreq(2 * length)
    h = np.exp(-2 * (np.pi * f * sigma) ** 2)  # the Gaussian's transform (real, even)
    w = h * s_a / np.maximum(s_b, 1e-12 * s_b.max())
    out = np.fft.irfft(w * spectrum(b - mean_b), n=2 * length, axis=1)[:, :length]
    return np.maximum(mean_a + out, 0.0)


def spectra(n_train: int = 512, n_test: int = 256, length: int = 256, paired: bool = False,
            seed: int = 0) -> Domains:  # fmt: skip
    """Lorentzian-peak spectra (A) and T(A) (B), T a Gaussian instrument response σ 2.5
    samples, slow baseline drift and noise 0.01: unpaired training draws, paired held-out
    ones; ``paired`` makes training B = T(training A), for the upper bound."""
    rng = np.random.default_rng(seed)
    return known_pairs(
        lambda n, r: lorentzians(n, length, r),
        instrument,
        n_train,
        n_test,
        paired,
        rng,
        value_range=1.0,
    )
