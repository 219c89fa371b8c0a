"""Delay embedding of a scalar series: lag by average mutual information, dimension by
false nearest neighbours (Fraser & Swinney 1986; Kennel, Brown & Abarbanel 1992)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def delay_embed(series: np.ndarray, dim: int, lag: int) -> np.ndarray:
    """Rows ``(s[t], s[t + lag], ..., s[t + (dim - 1) lag])``; shape (n - (dim-1) lag, dim)."""
    s = np.asarray(series, dtype=np.float64).ravel()
    n = len(s) - (dim - 1) * lag
    if dim < 1 or lag < 1 or n < 1:
        raise ValueError(f"a series of {len(s)} values is too short for dim={dim}, lag={lag}")
    return np.stack([s[i * lag : i * lag + n] for i in range(dim)], axis=1)


def mutual_information(series: np.ndarray, max_lag: int = 50, bins: int = 32) -> np.ndarray:
    """Average mutual information (nats) between ``s[t]`` and ``s[t + lag]`` for lags
    0..max_lag, from a 2-D histogram over equal-width bins."""
    s = np.asarray(series, dtype=np.float64).ravel()
    edges = np.linspace(s.min(), s.max(), bins + 1)
    code = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, bins - 1)
    out = np.empty(max_lag + 1)
    for lag in range(max_lag + 1):
        a, b = code[: len(s) - lag], code[lag:]
        joint = np.bincount(a * bins + b, minlength=bins * bins).reshape(bins, bins) / len(a)
        pa, pb = joint.sum(1), joint.sum(0)
        nz = joint > 0
        out[lag] = float((joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])).sum())
    return out


def choose_lag(series: np.ndarray, max_lag: int = 50) -> int:
    """The first local minimum of the mutual information, else the first lag where it
    falls below 1/e of its value at lag 0, else ``max_lag``."""
    mi = mutual_information(series, min(max_lag, len(np.ravel(series)) // 4))
    for lag in range(1, len(mi) - 1):
        if mi[lag] < mi[lag - 1] and mi[lag] <= mi[lag + 1]:
            return lag
    below = np.flatnonzero(mi < mi[0] / np.e)
    return int(below[0]) if len(below) else len(mi) - 1


def false_neighbours(
    series: np.ndarray, dim: int, lag: int, ratio: float = 15.0, max_points: int = 20000
) -> float:
    """Fraction of nearest neighbours in ``dim`` dimensions that fly apart when the
    ``dim + 1``-th delay coordinate is added (Kennel's two criteria)."""
    s = np.asarray(series, dtype=np.float64).ravel()
    x = delay_embed(s, dim + 1, lag)[:max_points]
    here, extra = x[:, :dim], x[:, dim]
    dist, idx = cKDTree(here).query(here, k=2)
    d, j = dist[:, 1], idx[:, 1]
    grow = np.abs(extra - extra[j])
    with np.errstate(divide="ignore", invalid="ignore"):
        false = (grow / d > ratio) | (np.sqrt(d**2 + grow**2) / s.std() > 2.0)
    return float(false[d > 0].mean()) if (d > 0).any() else 1.0


def choose_dim(series: np.ndarray, lag: int, max_dim: int = 10, threshold: float = 0.01) -> int:
    """The smallest dimension whose false-nearest-neighbour fraction is below
    ``threshold`` (``max_dim`` when none is)."""
    for dim in range(1, max_dim):
        if false_neighbours(series, dim, lag) < threshold:
            return dim
    return max_dim
