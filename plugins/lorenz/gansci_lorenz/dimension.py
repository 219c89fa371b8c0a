"""Correlation dimension D2 by the Grassberger–Procaccia correlation sum, counted with a
KD-tree: never an N x N matrix, so a million points fit in a few hundred MB.

C(r) is the fraction of point pairs closer than r (pairs closer in time than a Theiler
window left out). D2 is the slope of log C against log r over the scaling region: the
longest run of radii whose local slopes agree within a tolerance. Its standard error is a
delete-one-block jackknife over disjoint blocks of pair centres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from gansci.plugin import DataError


class DimensionError(DataError):
    """Too few points (or pairs) for the requested radii: no slope worth reporting."""


@dataclass(frozen=True)
class CorrelationSum:
    """C(r) of one point set: per block of pair centres and in total."""

    radii: np.ndarray  # (R,)
    counts: np.ndarray  # (B, R) ordered pairs within r whose centre is in block b
    pairs: np.ndarray  # (B, R) eligible ordered pairs counted at r, centre in block b
    n_points: int

    @property
    def c(self) -> np.ndarray:
        """C(r): the fraction of eligible pairs within each radius."""
        return self.counts.sum(0) / self.pairs.sum(0)

    @property
    def n_pairs_within(self) -> np.ndarray:
        """Unordered pairs within each radius (in the points counted at that radius)."""
        return self.counts.sum(0) / 2.0


@dataclass(frozen=True)
class CorrelationDimension:
    """D2 with its standard error, the scaling region and the curves to plot."""

    d2: float
    se: float
    radii: np.ndarray
    c: np.ndarray  # C(r), zero where no pair is that close
    slopes: np.ndarray  # local slope d log C / d log r (NaN where C is zero)
    region: tuple[float, float]  # the radii D2 was fitted over
    n_points: int

    @property
    def in_region(self) -> np.ndarray:
        lo, hi = self.region
        return (self.radii >= lo * (1 - 1e-9)) & (self.radii <= hi * (1 + 1e-9))


def default_radii(x: np.ndarray, n_radii: int = 24, seed: int = 0) -> np.ndarray:
    """Log-spaced radii from the median nearest-neighbour distance (where each point has
    about one neighbour) to half the median pair distance (before C(r) saturates)."""
    x = _points(x)
    rng = np.random.default_rng(seed)
    sub = x[rng.choice(len(x), min(len(x), 1000), replace=False)]
    nn = cKDTree(x).query(sub, k=2)[0][:, 1]
    r_lo = float(np.median(nn[nn > 0])) if (nn > 0).any() else 1e-12
    r_hi = 0.5 * float(np.median(_pair_distances(sub)))
    if not r_hi > r_lo:
        raise DimensionError(
            f"D2 of {len(x)} points: the points are too few or too clustered to span any "
            f"range of radii (median neighbour distance {r_lo:.3g}, half the median pair "
            f"distance {r_hi:.3g})"
        )
    return np.geomspace(r_lo, r_hi, n_radii)


def _pair_distances(a: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import pdist

    return pdist(a)


def _points(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    x = x.reshape(len(x), -1) if x.ndim != 2 else x
    if len(x) < 10:
        raise DimensionError(f"D2 needs at least 10 points, got {len(x)}")
    if not np.isfinite(x).all():
        raise DimensionError("D2: the points hold NaN or infinite values")
    return x


def correlation_sum(
    x: np.ndarray,
    radii: np.ndarray,
    theiler: int = 0,
    n_blocks: int = 10,
    p: float = 2.0,
    max_pairs: float = 5e5,
    seed: int = 0,
) -> CorrelationSum:
    """C(r) at ``radii`` by dual-tree counting, split by ``n_blocks`` random blocks of pair
    centres. ``theiler`` leaves out pairs at most that many rows apart (for time-ordered
    points); ``p`` is the Minkowski norm (2: Euclidean, inf: maximum).

    Counting costs about as much as there are pairs within r, so at large radii, where C(r)
    is large, C(r) is counted on a nested random subsample (halving from all points) just
    big enough to hold about ``max_pairs`` pairs within r, and scaled to agree with the
    finer level at the radius where they meet. ``max_pairs=0`` counts every pair."""
    x = _points(x)
    radii = np.asarray(radii, dtype=np.float64)
    if radii.ndim != 1 or len(radii) < 2 or (radii <= 0).any() or (np.diff(radii) <= 0).any():
        raise DimensionError("D2: radii must be at least two positive, increasing numbers")
    n, n_radii = len(x), len(radii)
    n_blocks = max(1, min(n_blocks, n // 2))
    order = np.random.default_rng(seed).permutation(n)  # level size m uses order[:m]
    block_of = np.empty(n, dtype=np.int64)
    block_of[order] = np.arange(n) % n_blocks
    sizes = [n]
    while max_pairs and sizes[-1] // 2 >= 1000:
        sizes.append(sizes[-1] // 2)
    level = np.zeros(n_radii, dtype=int)  # index into sizes, per radius
    if len(sizes) > 1:
        pilot = order[: sizes[-1]]
        m = len(pilot)
        c_pilot = (cKDTree(x[pilot]).count_neighbors(cKDTree(x[pilot]), radii, p=p) - m) / (
            m * (m - 1.0)
        )
        for k, size in enumerate(sizes):
            level[size * (size - 1.0) * c_pilot >= 2 * max_pairs] = k
    counts = np.zeros((n_blocks, n_radii))
    pairs = np.zeros((n_blocks, n_radii))
    previous = None  # the last radius counted on the finer level before
    for k in np.unique(level):
        cols = np.flatnonzero(level == k)
        # A subsample's C(r) carries one shared relative error; counting the finer level's
        # last radius too and scaling to match it there keeps log C continuous, so local
        # slopes across a change of level stay unbiased.
        with_edge = cols if previous is None else np.r_[previous, cols]
        members = np.sort(order[: sizes[k]])
        c_k, p_k = _count_level(x, members, block_of, n_blocks, radii[with_edge], theiler, p)
        if previous is not None:
            finer = counts[:, previous].sum() / pairs[:, previous].sum()
            here = c_k[:, 0].sum() / p_k.sum()
            c_k = c_k[:, 1:] * (finer / here if here > 0 else 1.0)
        counts[:, cols], pairs[:, cols] = c_k, p_k[:, None]
        previous = cols[-1]
    return CorrelationSum(radii, counts, pairs, n)


def _count_level(
    x: np.ndarray,
    members: np.ndarray,
    block_of: np.ndarray,
    n_blocks: int,
    radii: np.ndarray,
    theiler: int,
    p: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pair counts within ``radii`` among the rows ``members`` (sorted) of ``x``,
    per block of the pair's centre, and the eligible pairs per block."""
    m, n_radii = len(members), len(radii)
    pts, labels = x[members], block_of[members]
    tree = cKDTree(pts)
    counts = np.zeros((n_blocks, n_radii))
    for b in range(n_blocks):
        centres = pts[labels == b]
        if len(centres):
            counts[b] = cKDTree(centres).count_neighbors(tree, radii, p=p) - len(centres)
    pairs = np.bincount(labels, minlength=n_blocks) * float(m - 1)
    for lag in range(1, min(theiler, m - 1) + 1):
        # Pairs closer in time than the window leave both centres' counts and the pairs.
        i, j = members[:-lag], members[lag:]
        close = (j - i) <= theiler
        i, j = i[close], j[close]
        d = np.linalg.norm(x[j] - x[i], ord=p, axis=1)
        first = np.searchsorted(radii, d, side="left")  # the first radius that holds d
        for ends in (block_of[i], block_of[j]):
            flat = np.bincount(ends * (n_radii + 1) + first, minlength=n_blocks * (n_radii + 1))
            counts -= flat.reshape(n_blocks, -1)[:, :-1].cumsum(1)
            pairs -= np.bincount(ends, minlength=n_blocks)
    return counts, pairs


def local_slopes(radii: np.ndarray, c: np.ndarray) -> np.ndarray:
    """d log C / d log r by central differences (one-sided at the ends); NaN where C is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_c = np.where(c > 0, np.log(c), np.nan)
        return np.gradient(log_c, np.log(radii))


def scaling_region(
    slopes: np.ndarray, valid: np.ndarray, tolerance: float, min_radii: int
) -> tuple[int, int] | None:
    """The longest run ``[i, j]`` of valid radii whose local slopes span at most
    ``tolerance``; among equally long runs the flattest. None when no run is long enough."""
    best: tuple[int, float, int, int] | None = None
    n = len(slopes)
    for i in range(n):
        lo = hi = None
        for j in range(i, n):
            if not valid[j] or not np.isfinite(slopes[j]):
                break
            lo = slopes[j] if lo is None else min(lo, slopes[j])
            hi = slopes[j] if hi is None else max(hi, slopes[j])
            if hi - lo > tolerance:
                break
            length = j - i + 1
            if length >= min_radii:
                key = (length, -(hi - lo))
                if best is None or key > (best[0], best[1]):
                    best = (length, -(hi - lo), i, j)
    return None if best is None else (best[2], best[3])


def _fit(radii: np.ndarray, c: np.ndarray, mask: np.ndarray) -> float:
    if (c[mask] <= 0).any():
        return float("nan")
    return float(np.polyfit(np.log(radii[mask]), np.log(c[mask]), 1)[0])


def correlation_dimension(
    x: np.ndarray,
    radii: np.ndarray | None = None,
    region: tuple[float, float] | None = None,
    theiler: int = 0,
    tolerance: float = 0.2,
    min_radii: int = 4,
    min_pairs: int = 50,
    n_blocks: int = 10,
    p: float = 2.0,
    max_pairs: float = 5e5,
    seed: int = 0,
) -> CorrelationDimension:
    """D2 of the points ``x`` (n, d) with a jackknife standard error.

    ``radii`` default to :func:`default_radii`. The fit runs over ``region`` (a (low, high)
    pair of radii, e.g. another sample's scaling region, so two samples are compared on the
    same scales) or else over the automatically chosen scaling region, among the radii with
    at least ``min_pairs`` pairs within them. Raises :class:`DimensionError` when fewer than
    ``min_radii`` radii qualify: too few points for those radii.
    """
    x = _points(x)
    radii = default_radii(x, seed=seed) if radii is None else np.asarray(radii, float)
    cs = correlation_sum(x, radii, theiler, n_blocks, p, max_pairs, seed)
    c = cs.c
    slopes = local_slopes(radii, c)
    enough = cs.n_pairs_within >= min_pairs
    if region is not None:
        lo, hi = region
        mask = (radii >= lo * (1 - 1e-9)) & (radii <= hi * (1 + 1e-9))
        if mask.sum() < 2:
            raise DimensionError(f"D2: fewer than two of the radii lie in the region {region}")
        if not enough[mask].all():
            worst = int(cs.n_pairs_within[mask].min())
            raise DimensionError(
                f"D2 of {len(x)} points: only {worst} pair(s) lie within r={radii[mask][0]:.3g}, "
                f"fewer than min_pairs={min_pairs}; use more points or larger radii"
            )
    else:
        span = scaling_region(slopes, enough, tolerance, min_radii)
        if span is None:
            n_ok = int(enough.sum())
            raise DimensionError(
                f"D2 of {len(x)} points: no {min_radii} consecutive radii in "
                f"[{radii[0]:.3g}, {radii[-1]:.3g}] have at least {min_pairs} pairs within them "
                f"and local slopes flat within {tolerance} ({n_ok} of {len(radii)} radii have "
                "enough pairs); use more points, larger radii or a larger tolerance"
            )
        mask = np.zeros(len(radii), bool)
        mask[span[0] : span[1] + 1] = True
    d2 = _fit(radii, c, mask)
    se = _jackknife_se(cs, mask)
    region_used = (float(radii[mask][0]), float(radii[mask][-1]))
    return CorrelationDimension(d2, se, radii, c, slopes, region_used, len(x))


def _jackknife_se(cs: CorrelationSum, mask: np.ndarray) -> float:
    b = len(cs.pairs)
    if b < 2:
        return float("nan")
    total_counts, total_pairs = cs.counts.sum(0), cs.pairs.sum(0)
    leave_out = [
        _fit(cs.radii, (total_counts - cs.counts[k]) / (total_pairs - cs.pairs[k]), mask)
        for k in range(b)
    ]
    est = np.asarray(leave_out)
    return float(np.sqrt((b - 1) / b * np.sum((est - est.mean()) ** 2)))
