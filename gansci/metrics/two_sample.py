"""Two-sample statistics between generated and real arrays of shape (n, d).

Each takes ``x`` and ``y`` as arrays and an optional NumPy ``rng`` for the random parts
(permutations, projections, splits), is vectorised, and returns a dict of floats.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from scipy.spatial import cKDTree


def _as_tensor(a: np.ndarray) -> torch.Tensor:
    a = np.asarray(a, dtype=np.float64)
    return torch.from_numpy(a.reshape(a.shape[0], -1))


def mmd(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator | int | None = None,
    n_permutations: int = 200,
    bandwidth: float | None = None,
) -> dict[str, float]:
    """Unbiased MMD² with a Gaussian kernel and a permutation-test p-value.

    The bandwidth defaults to the median pairwise distance of the pooled sample (the
    median heuristic, Gretton et al. 2012). All permutations are evaluated at once as
    one matrix product with the pooled kernel matrix.
    """
    rng = np.random.default_rng(rng)  # passes a Generator through
    xy = torch.cat([_as_tensor(x), _as_tensor(y)])
    n, m = len(x), len(y)
    d2 = torch.cdist(xy, xy).pow_(2)
    if bandwidth is None:
        rows = torch.from_numpy(rng.choice(n + m, min(n + m, 1000), replace=False))
        bandwidth = float(torch.pdist(xy[rows]).median().clamp_min(1e-12))
    K = torch.exp(-d2 / (2 * bandwidth**2))
    K.fill_diagonal_(0.0)
    # Row 0 is the observed split; the others are random relabellings of the pool.
    labels = np.zeros((n_permutations + 1, n + m), dtype=bool)
    labels[:, :n] = True
    labels[1:] = rng.permuted(labels[1:], axis=1)
    u = torch.from_numpy(labels).to(K.dtype)
    v = 1.0 - u
    Ku, Kv = K @ u.T, K @ v.T
    sxx = (u.T * Ku).sum(0) / (n * (n - 1))
    syy = (v.T * Kv).sum(0) / (m * (m - 1))
    sxy = (u.T * Kv).sum(0) / (n * m)
    stat = sxx + syy - 2 * sxy
    observed = float(stat[0])
    p = (1 + int((stat[1:] >= stat[0]).sum())) / (1 + n_permutations)
    return {"mmd2": observed, "p_value": p, "bandwidth": bandwidth}


def energy_distance(x: np.ndarray, y: np.ndarray, rng=None) -> dict[str, float]:
    """Energy distance 2E|X-Y| - E|X-X'| - E|Y-Y'| (Székely & Rizzo 2013), U-statistics."""
    tx, ty = _as_tensor(x), _as_tensor(y)
    n, m = len(tx), len(ty)
    xy = torch.cdist(tx, ty).mean()
    xx = torch.cdist(tx, tx).sum() / (n * (n - 1))
    yy = torch.cdist(ty, ty).sum() / (m * (m - 1))
    return {"energy": float(2 * xy - xx - yy)}


def sliced_wasserstein(
    x: np.ndarray, y: np.ndarray, rng=None, n_projections: int = 256
) -> dict[str, float]:
    """Mean 1-Wasserstein distance of random 1-D projections (Rabin et al. 2011).

    Samples of different sizes are compared through their quantile functions on a
    common grid.
    """
    rng = np.random.default_rng(rng)
    tx, ty = _as_tensor(x), _as_tensor(y)
    theta = torch.from_numpy(rng.standard_normal((tx.shape[1], n_projections)))
    theta /= theta.norm(dim=0)
    px, py = (tx @ theta).sort(0).values, (ty @ theta).sort(0).values
    if len(px) != len(py):
        q = torch.linspace(0, 1, max(len(px), len(py)), dtype=px.dtype)
        px, py = torch.quantile(px, q, dim=0), torch.quantile(py, q, dim=0)
    return {"swd": float((px - py).abs().mean())}


def c2st(x: np.ndarray, y: np.ndarray, rng=None, k: int = 10) -> dict[str, float]:
    """Classifier two-sample test (Lopez-Paz & Oquab 2017) with a k-NN classifier.

    The pooled sample is split in half; a k-NN vote fitted on one half labels the other.
    Accuracy near 0.5 means indistinguishable; the p-value is the one-sided binomial
    test of the held-out accuracy against chance.
    """
    rng = np.random.default_rng(rng)
    n = min(len(x), len(y))
    pool = np.concatenate([np.asarray(a)[:n].reshape(n, -1) for a in (x, y)])
    labels = np.r_[np.zeros(n), np.ones(n)]
    order = rng.permutation(2 * n)
    fit, held = order[:n], order[n:]
    _, nn = cKDTree(pool[fit]).query(pool[held], k=k)
    votes = labels[fit][nn.reshape(len(held), -1)].mean(1)
    pred = np.where(votes == 0.5, rng.integers(0, 2, len(held)), votes > 0.5)
    correct = int((pred == labels[held]).sum())
    p = float(stats.binom.sf(correct - 1, len(held), 0.5))
    return {"c2st_accuracy": correct / len(held), "c2st_p_value": p}
