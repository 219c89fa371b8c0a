"""Invariant-measure checks of generated against real attractor points: correlation
dimension on shared radii, off-attractor mass, coverage and occupancy divergence."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from gansci_lorenz.dimension import correlation_dimension, default_radii


def _flat(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(len(a), -1)


def d2_compare(samples: np.ndarray, real: np.ndarray, seed: int = 0) -> dict[str, float]:
    """D2 of ``samples`` fitted over the real points' own scaling region on the same radii,
    beside the real D2: the two are measured on the same scales."""
    x, y = _flat(samples), _flat(real)
    radii = default_radii(y, seed=seed)
    ref = correlation_dimension(y, radii=radii, seed=seed)
    gen = correlation_dimension(x, radii=radii, region=ref.region, seed=seed, min_pairs=0)
    return {
        "d2": gen.d2,
        "d2_se": gen.se,
        "d2_real": ref.d2,
        "d2_gap": abs(gen.d2 - ref.d2),
        "r_min": ref.region[0],
        "r_max": ref.region[1],
    }


def nn_threshold(real: np.ndarray, quantile: float = 0.99) -> float:
    """The ``quantile`` of real-to-real nearest-neighbour distances (self excluded)."""
    y = _flat(real)
    d = cKDTree(y).query(y, k=2)[0][:, 1]
    return float(np.quantile(d, quantile))


def off_attractor_and_coverage(
    samples: np.ndarray, real: np.ndarray, quantile: float = 0.99
) -> dict[str, float]:
    """Off-attractor mass: generated points farther from every real point than the
    ``quantile`` of real nearest-neighbour distances. Coverage: real points with a
    generated point within that same distance."""
    x, y = _flat(samples), _flat(real)
    r = nn_threshold(y, quantile)
    off = cKDTree(y).query(x, k=1, distance_upper_bound=r)[0]
    back = cKDTree(x).query(y, k=1, distance_upper_bound=r)[0]
    return {
        "off_attractor": float(np.isinf(off).mean()),
        "coverage": float(np.isfinite(back).mean()),
        "nn_radius": r,
    }


def occupancy(points: np.ndarray, lo: np.ndarray, hi: np.ndarray, bins: int) -> np.ndarray:
    """Counts in a ``bins``-per-axis grid over the box [lo, hi] of the first (up to) three
    coordinates, plus one last cell for every point outside the box."""
    x = _flat(points)[:, : len(lo)]
    cell = np.floor((x - lo) / (hi - lo) * bins).astype(np.int64)
    inside = ((cell >= 0) & (cell < bins)).all(1)
    flat = np.ravel_multi_index(tuple(cell[inside].T), (bins,) * len(lo))
    counts = np.bincount(flat, minlength=bins ** len(lo)).astype(float)
    return np.append(counts, (~inside).sum())


def occupancy_box(real: np.ndarray, margin: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    y = _flat(real)[:, :3]
    lo, hi = y.min(0), y.max(0)
    pad = margin * (hi - lo)
    return lo - pad, hi + pad


def occupancy_js(samples: np.ndarray, real: np.ndarray, bins: int = 32) -> float:
    """Jensen–Shannon divergence (bits, 0..1) of occupancy histograms over the real box."""
    lo, hi = occupancy_box(real)
    p, q = occupancy(samples, lo, hi, bins), occupancy(real, lo, hi, bins)
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float((a[nz] * np.log2(a[nz] / m[nz])).sum())

    return 0.5 * kl(p) + 0.5 * kl(q)


def attractor_metrics(samples: np.ndarray, real: np.ndarray) -> dict[str, float]:
    out = off_attractor_and_coverage(samples, real)
    out["occupancy_js"] = occupancy_js(samples, real)
    return out
