"""Translation metrics: errors against known partners (MAE, RMSE, PSNR, SSIM), the
distance of translations to the real target domain (pixel W1, radial power spectrum),
label preservation, and the baselines a translator must beat (identity, quantile map).

Every metric takes arrays in the data's own units, channels last, and is called on the
translations of held-out inputs (``samples``) against the held-out targets (``real``) of
the direction's target ``view``; where pairs are known, ``real[i]`` is ``samples[i]``'s
true partner.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.stats import wasserstein_distance


def mae(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.abs(x - y)))


def psnr(x: np.ndarray, y: np.ndarray, value_range: float) -> float:
    """Peak signal-to-noise ratio in dB over a fixed ``value_range``."""
    mse = float(np.mean((x - y) ** 2))
    return float(10 * np.log10(value_range**2 / max(mse, 1e-20)))


def ssim(x: np.ndarray, y: np.ndarray, value_range: float, sigma: float = 1.5,
         window: int = 7) -> float:  # fmt: skip
    """Mean structural similarity (Wang et al. 2004) with a Gaussian window of ``sigma``
    truncated to ``window`` samples, per channel, over the spatial axes (1-D or 2-D),
    keeping the positions where the whole window fits."""
    c1, c2 = (0.01 * value_range) ** 2, (0.03 * value_range) ** 2
    axes = tuple(range(1, x.ndim - 1))
    sig = [0] + [sigma] * len(axes) + [0]
    truncate = (window // 2) / sigma

    def blur(a: np.ndarray) -> np.ndarray:
        return gaussian_filter(a, sig, mode="constant", truncate=truncate)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    r = window // 2
    inner = (slice(None),) + tuple(slice(r, a - r) for a in x.shape[1:-1]) + (slice(None),)
    return float(s[inner].mean())


def radial_spectrum(x: np.ndarray) -> np.ndarray:
    """Mean power per radial frequency bin (per frequency for 1-D signals), averaged
    over samples and channels."""
    axes = tuple(range(1, x.ndim - 1))
    power = np.abs(np.fft.fftn(x - x.mean(axis=axes, keepdims=True), axes=axes)) ** 2
    power = power.mean(axis=(0, -1))
    if power.ndim == 1:
        return power[1 : len(power) // 2 + 1]
    ks = np.meshgrid(*[np.fft.fftfreq(n) * n for n in power.shape], indexing="ij")
    radius = np.rint(np.sqrt(sum(k**2 for k in ks))).astype(int).ravel()
    sums = np.bincount(radius, power.ravel())
    counts = np.bincount(radius)
    keep = slice(1, min(power.shape) // 2 + 1)
    return sums[keep] / counts[keep]


def spectrum_distance(x: np.ndarray, y: np.ndarray) -> float:
    """Mean |log10 P_x(k) - log10 P_y(k)| over the radial frequencies."""
    px, py = radial_spectrum(x), radial_spectrum(y)
    return float(np.mean(np.abs(np.log10(px + 1e-20) - np.log10(py + 1e-20))))


def pixel_w1(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, m: int = 200_000) -> float:
    """Wasserstein-1 distance between the pixel values of two sets (up to ``m`` each)."""
    x, y = x.ravel(), y.ravel()
    x = x if len(x) <= m else rng.choice(x, m, replace=False)
    y = y if len(y) <= m else rng.choice(y, m, replace=False)
    return float(wasserstein_distance(x, y))


def quantile_map(x: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-pixel quantile mapping: each value of ``x`` goes to the target-domain value of
    the same quantile at the same position (both learnt from unpaired training sets)."""
    flat_x = x.reshape(len(x), -1)
    s = np.sort(source.reshape(len(source), -1), 0)
    t = np.sort(target.reshape(len(target), -1), 0)
    qs, qt = np.linspace(0, 1, len(s)), np.linspace(0, 1, len(t))
    out = np.empty_like(flat_x)
    for j in range(flat_x.shape[1]):
        out[:, j] = np.interp(np.interp(flat_x[:, j], s[:, j], qs), qt, t[:, j])
    return out.reshape(x.shape)


def _other(view: str) -> str:
    return {"A": "B", "B": "A"}[view]


def pairs(samples, real, data, rng, view=None) -> dict[str, float]:
    """Error against the true partners: MAE, RMSE, PSNR (on the data's fixed range),
    SSIM; and the baselines of the same inputs: the identity map's and per-pixel quantile
    mapping's MAE, and the MAE's ratio to the latter (below 1: better than quantile
    mapping)."""
    x, y = np.asarray(samples, dtype=np.float64), np.asarray(real, dtype=np.float64)
    out = {
        "mae": mae(x, y),
        "rmse": float(np.sqrt(np.mean((x - y) ** 2))),
        "psnr": psnr(x, y, data.value_range),
        "ssim": ssim(x, y, data.value_range),
    }
    if view is not None:  # the baselines translate the same held-out inputs
        source = _other(view)
        inputs = data.decode(data.split("test", len(x), view=source), view=source)
        train_s = data.decode(data.split("train", view=source), view=source)
        train_t = data.decode(data.split("train", view=view), view=view)
        out["mae_identity"] = mae(inputs, y)
        out["mae_quantile_map"] = mae(quantile_map(inputs, train_s, train_t), y)
        out["mae_vs_quantile_map"] = out["mae"] / out["mae_quantile_map"]
    return out


def distribution(samples, real, data, rng) -> dict[str, float]:
    """How far the translations are from the real target domain as a set: pixel W1 and
    the radial power spectrum's mean log10 distance."""
    x, y = np.asarray(samples, dtype=np.float64), np.asarray(real, dtype=np.float64)
    return {"pixel_w1": pixel_w1(x, y, rng), "spectrum_log_distance": spectrum_distance(x, y)}


def label_accuracy(samples, real, data, rng, view=None) -> dict[str, float]:
    """The share of translations a logistic regression trained on the real training
    samples of the target domain gives the label of their source."""
    if view is None:
        raise ValueError("label_accuracy needs the target view")
    classifier = data.classifier(view)
    x = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    return {"accuracy": float(np.mean(classifier.predict(x) == data.labels["test"][: len(x)]))}
