"""Correlation dimension D2 by the Grassberger–Procaccia correlation sum, counted with a
KD-tree: never an N x N matrix, so a million points fit in a few hundred MB.

C(r) is the fraction of point pairs closer than r (pairs closer in time than a Theiler
window left out, for time-ordered points). D2 is the slope of log C against log r over the
scaling region: the longest run of radii whose local slopes agree within a tolerance.

Its standard error treats C(r) as what it is, a U-statistic over the points, whose
sampling error has two parts: where each point lies (its neighbour density, variance
~1/n) and which pairs happen to fall within r (pair noise, ~1/n²). A slope of log C
cancels most of the first, so D2's error is mostly the second. Three steps:

1. A delete-one-block jackknife over blocks of points, each block's pairs (its rows and
   its columns) leaving with it: exact and cheap from per-block counts (pairs with a point
   in the block, pairs with both), the level stitching redone for each left-out sample. A
   jackknife over blocks of pair centres (rows only, as before) leaves each point's pairs
   half in: it understated the spread of D2 1.3 times at 50,000 points and 1.8-2.7 times
   at 2,000 (automatic region; measured).
2. The jackknife counts pair noise twice (its known bias on the degenerate part of a
   U-statistic), so the pair-noise variance of the fitted slope, known in closed form from
   C(r) (within a level distinct pairs fall within r independently), is taken off once.
3. The scaling region is chosen from the same noisy curve, and a jackknife, whose
   left-out samples are far closer to the full one than an independent sample is, turns
   a rare change of region into a large variance. So for an automatically chosen region
   the standard error is the spread of D2 over curves drawn around the measured log C with
   the jackknife's covariance (Gaussian multipliers of the left-out curves) scaled by the
   correction of step 2, each draw choosing its own region; for a given region the
   variance of step 2 directly.

experiments/d2_calibration.py measures the result against the spread of D2 over
independent samples (benchmarks/RESULTS.md, "D2 uncertainty calibration"). It is the error
of independent points; points several to a trajectory vary more (twice as much for the
datasets' spacing), unless they come in time order with a Theiler window (then the error
is 1.2-1.4 times their spread: on the safe side).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from gansci.plugin import DataError


class DimensionError(DataError):
    """Too few points (or pairs) for the requested radii: no slope worth reporting."""


@dataclass(frozen=True)
class _Level:
    """Pair counts on one nested subsample of the points, per block of points, at the radii
    ``cols``; on every level but the first, led by the finer level's last radius, where the
    two are stitched together."""

    cols: np.ndarray  # (K,) indices into the radii
    rows: np.ndarray  # (B, K or K + 1) ordered pairs within r whose first point is in block b
    within: np.ndarray  # (B, K or K + 1) ordered pairs within r with both points in block b
    pairs: np.ndarray  # (B,) eligible ordered pairs whose first point is in block b
    pairs_within: np.ndarray  # (B,) eligible ordered pairs with both points in block b

    def c(self, left_out: int | None) -> np.ndarray:
        """C(r) over the pairs of points outside block ``left_out`` (None: all points)."""
        counts, pairs = self.rows.sum(0), self.pairs.sum()
        if left_out is not None:
            # pairs with neither point in the block: all, less those whose first or second
            # point is in it (equal in number), plus those with both, removed twice
            counts = counts - 2 * self.rows[left_out] + self.within[left_out]
            pairs = pairs - 2 * self.pairs[left_out] + self.pairs_within[left_out]
        return counts / pairs


@dataclass(frozen=True)
class CorrelationSum:
    """C(r) of one point set, kept per block of points so that it can be recomputed with
    any one block left out."""

    radii: np.ndarray  # (R,)
    levels: tuple[_Level, ...]  # the nested subsamples, finest (all points) first
    blocks: np.ndarray  # (n,) the block of each point
    n_points: int

    @property
    def n_blocks(self) -> int:
        return len(self.levels[0].pairs)

    def c_without(self, block: int | None) -> np.ndarray:
        """C(r) with the points of ``block`` left out (None: of all points)."""
        c = np.empty(len(self.radii))
        for k, level in enumerate(self.levels):
            c_k = level.c(block)
            if k:
                # A subsample's C(r) carries one shared relative error; scaling it to the
                # finer level's C at the radius both counted keeps log C continuous, so local
                # slopes across a change of level stay unbiased.
                edge = c[self.levels[k - 1].cols[-1]]
                c_k = c_k[1:] * (edge / c_k[0] if c_k[0] > 0 else 1.0)
            c[level.cols] = c_k
        return c

    @property
    def c(self) -> np.ndarray:
        """C(r): the fraction of eligible pairs within each radius."""
        return self.c_without(None)

    @property
    def n_pairs_within(self) -> np.ndarray:
        """Unordered pairs within each radius (in the points counted at that radius)."""
        out, c = np.empty(len(self.radii)), self.c
        for level in self.levels:
            out[level.cols] = c[level.cols] * level.pairs.sum() / 2.0
        return out


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
    n_blocks: int = 20,
    p: float = 2.0,
    max_pairs: float = 5e5,
    seed: int = 0,
) -> CorrelationSum:
    """C(r) at ``radii`` by dual-tree counting, kept per each of ``n_blocks`` blocks of
    points. ``p`` is the Minkowski norm (2: Euclidean, inf: maximum).

    ``theiler`` > 0 declares the rows time-ordered (one trajectory sampled at a fixed step,
    or trajectories one after another): pairs at most that many rows apart are left out,
    and the blocks are contiguous runs of rows, so that points correlated in time leave
    the jackknife together. Rows in random order (every dataset split and generated
    sample) have neither time neighbours nor serial correlation: leave it 0 there.

    Counting costs about as much as there are pairs within r, so at large radii, where C(r)
    is large, C(r) is counted on a nested random subsample (halving from all points) just
    big enough to hold about ``max_pairs`` pairs within r, and scaled to agree with the
    finer level at the radius where they meet. ``max_pairs=0`` counts every pair."""
    x = _points(x)
    radii = np.asarray(radii, dtype=np.float64)
    if radii.ndim != 1 or len(radii) < 2 or (radii <= 0).any() or (np.diff(radii) <= 0).any():
        raise DimensionError("D2: radii must be at least two positive, increasing numbers")
    if theiler < 0:
        raise DimensionError(f"D2: the Theiler window must be 0 or more rows, got {theiler}")
    n, n_radii = len(x), len(radii)
    if theiler >= n - 1:
        raise DimensionError(
            f"D2: a Theiler window of {theiler} rows leaves no pair among {n} points; give "
            "a window shorter than the trajectory"
        )
    n_blocks = max(2, min(n_blocks, n // 2))
    order = np.random.default_rng(seed).permutation(n)  # level size m uses order[:m]
    block_of = np.empty(n, dtype=np.int64)
    if theiler:
        block_of[:] = np.arange(n) * n_blocks // n
    else:
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
    levels: list[_Level] = []
    for k in np.unique(level):
        cols = np.flatnonzero(level == k)
        counted_at = cols if not levels else np.r_[levels[-1].cols[-1], cols]
        members = np.sort(order[: sizes[k]])
        counts = _count_level(x, members, block_of, n_blocks, radii[counted_at], theiler, p)
        levels.append(_Level(cols, *counts))
    return CorrelationSum(radii, tuple(levels), block_of, n)


def _count_level(
    x: np.ndarray,
    members: np.ndarray,
    block_of: np.ndarray,
    n_blocks: int,
    radii: np.ndarray,
    theiler: int,
    p: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Among the rows ``members`` (sorted) of ``x``, per block: the ordered pairs within
    ``radii`` whose first point is in the block and those with both points in it, and the
    eligible pairs of each kind."""
    m, n_radii = len(members), len(radii)
    pts, labels = x[members], block_of[members]
    tree = cKDTree(pts)
    rows = np.zeros((n_blocks, n_radii))
    within = np.zeros((n_blocks, n_radii))
    for b in range(n_blocks):
        block = pts[labels == b]
        if len(block):
            block_tree = cKDTree(block)
            rows[b] = block_tree.count_neighbors(tree, radii, p=p) - len(block)
            within[b] = block_tree.count_neighbors(block_tree, radii, p=p) - len(block)
    size = np.bincount(labels, minlength=n_blocks).astype(float)
    pairs, pairs_within = size * (m - 1), size * (size - 1)

    def drop(table: np.ndarray, block: np.ndarray, first: np.ndarray, times: float) -> None:
        """Take pairs off ``table`` (B, R) at every radius from index ``first`` on."""
        flat = np.bincount(block * (n_radii + 1) + first, minlength=n_blocks * (n_radii + 1))
        table -= times * flat.reshape(n_blocks, -1)[:, :-1].cumsum(1)

    for lag in range(1, min(theiler, m - 1) + 1):
        # Pairs closer in time than the window leave the counts and the eligible pairs,
        # in both of their orders.
        i, j = members[:-lag], members[lag:]
        close = (j - i) <= theiler
        i, j = i[close], j[close]
        d = np.linalg.norm(x[j] - x[i], ord=p, axis=1)
        first = np.searchsorted(radii, d, side="left")  # the first radius that holds d
        same = block_of[i] == block_of[j]
        drop(rows, block_of[i], first, 1.0)
        drop(rows, block_of[j], first, 1.0)
        drop(within, block_of[i][same], first[same], 2.0)
        pairs -= np.bincount(block_of[i], minlength=n_blocks)
        pairs -= np.bincount(block_of[j], minlength=n_blocks)
        pairs_within -= 2.0 * np.bincount(block_of[i][same], minlength=n_blocks)
    return rows, within, pairs, pairs_within


def local_slopes(radii: np.ndarray, c: np.ndarray) -> np.ndarray:
    """d log C / d log r by central differences (one-sided at the ends); NaN where C is 0.
    ``c`` may hold several curves, one a row."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_c = np.where(c > 0, np.log(c), np.nan)
        return np.gradient(log_c, np.log(radii), axis=-1)


def scaling_region(
    slopes: np.ndarray, valid: np.ndarray, tolerance: float, min_radii: int
) -> tuple[int, int] | None:
    """The longest run ``[i, j]`` of valid radii whose local slopes span at most
    ``tolerance``; among equally long runs the flattest. None when no run is long enough."""
    ((i, j),) = _scaling_regions(np.asarray(slopes)[None], valid, tolerance, min_radii)
    return None if i < 0 else (int(i), int(j))


def _scaling_regions(
    slopes: np.ndarray, valid: np.ndarray, tolerance: float, min_radii: int
) -> np.ndarray:
    """:func:`scaling_region` of each row of ``slopes`` (K, R), as (K, 2) with -1 for none."""
    k, n = slopes.shape
    ok = valid & np.isfinite(slopes)  # (K, R)
    after = np.arange(n)[None, :] >= np.arange(n)[:, None]  # [i, j]: j at or after i
    # run [i, j]: slopes i..j, with those before i replaced by slope i (no effect on extremes)
    run = np.where(after, slopes[:, None, :], slopes[:, :, None])
    spread = np.maximum.accumulate(run, 2) - np.minimum.accumulate(run, 2)
    unbroken = np.logical_and.accumulate(np.where(after, ok[:, None, :], True), 2)
    length = np.arange(n)[None, :] - np.arange(n)[:, None] + 1
    good = after & unbroken & (spread <= tolerance) & (length >= min_radii)
    # the longest, then the flattest, then the first
    longest = good & (length == np.where(good, length, 0).max((1, 2), keepdims=True))
    flattest = np.where(longest, spread, np.inf)
    chosen = longest & (flattest == flattest.min((1, 2), keepdims=True))
    best = np.argmax(chosen.reshape(k, -1), 1)
    out = np.stack([best // n, best % n], 1)
    out[~chosen.any((1, 2))] = -1
    return out


def _slope_weights(radii: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``w`` with the least-squares slope of log C on log r over ``mask`` = ``w @ log C``."""
    log_r = np.log(radii)
    w = np.zeros(len(radii))
    centred = log_r[mask] - log_r[mask].mean()
    w[mask] = centred / (centred**2).sum()
    return w


def _fit(radii: np.ndarray, c: np.ndarray, mask: np.ndarray) -> float:
    if not (c[mask] > 0).all():
        return float("nan")
    return float(_slope_weights(radii, mask)[mask] @ np.log(c[mask]))


def correlation_dimension(
    x: np.ndarray,
    radii: np.ndarray | None = None,
    region: tuple[float, float] | None = None,
    theiler: int = 0,
    tolerance: float = 0.2,
    min_radii: int = 4,
    min_pairs: int = 50,
    n_blocks: int = 20,
    p: float = 2.0,
    max_pairs: float = 5e5,
    seed: int = 0,
) -> CorrelationDimension:
    """D2 of the points ``x`` (n, d) with its standard error (see the module docstring).

    ``radii`` default to :func:`default_radii`. The fit runs over ``region`` (a (low, high)
    pair of radii, e.g. another sample's scaling region, so two samples are compared on the
    same scales) or else over the automatically chosen scaling region, among the radii with
    at least ``min_pairs`` pairs within them. ``theiler``: see :func:`correlation_sum`.
    Raises :class:`DimensionError` when fewer than ``min_radii`` radii qualify: too few
    points for those radii.
    """
    x = _points(x)
    radii = default_radii(x, seed=seed) if radii is None else np.asarray(radii, float)
    cs = correlation_sum(x, radii, theiler, n_blocks, p, max_pairs, seed)
    c = cs.c
    slopes = local_slopes(radii, c)
    enough = cs.n_pairs_within >= min_pairs

    def regions(curves: np.ndarray) -> np.ndarray:
        """The scaling region of each row of ``curves`` (K, R): (K, 2), -1 for none."""
        return _scaling_regions(local_slopes(radii, curves), enough, tolerance, min_radii)

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
        ((lo, hi),) = regions(c[None])
        if lo < 0:
            n_ok = int(enough.sum())
            raise DimensionError(
                f"D2 of {len(x)} points: no {min_radii} consecutive radii in "
                f"[{radii[0]:.3g}, {radii[-1]:.3g}] have at least {min_pairs} pairs within them "
                f"and local slopes flat within {tolerance} ({n_ok} of {len(radii)} radii have "
                "enough pairs); use more points, larger radii or a larger tolerance"
            )
        mask = np.zeros(len(radii), bool)
        mask[lo : hi + 1] = True
    d2 = _fit(radii, c, mask)
    variance, left_out = _corrected_jackknife(cs, mask)
    if region is None:
        se = _region_draws_se(cs, left_out, variance, mask, regions, seed)
    else:
        se = float(np.sqrt(variance))
    region_used = (float(radii[mask][0]), float(radii[mask][-1]))
    return CorrelationDimension(d2, se, radii, c, slopes, region_used, len(x))


def _corrected_jackknife(cs: CorrelationSum, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """The variance of D2 over ``mask``: the delete-one-block jackknife's, less the pair
    noise it counts twice (never below the pair noise itself); and the left-out log C
    curves, (B, R)."""
    b = cs.n_blocks
    with np.errstate(divide="ignore"):
        left_out = np.log(np.array([cs.c_without(k) for k in range(b)]))
    w = _slope_weights(cs.radii, mask)
    est = left_out[:, mask] @ w[mask]
    jackknife = (b - 1) / b * np.sum((est - est.mean()) ** 2)
    pair_noise = _pair_noise_variance(cs, w)
    # the jackknife's expected share of pair noise, in units of the true one: 2 (B-2) B / (B-1)²
    excess = 2 * (b - 2) * b / (b - 1) ** 2 - 1
    return float(max(jackknife - excess * pair_noise, pair_noise)), left_out


def _pair_noise_variance(cs: CorrelationSum, w: np.ndarray) -> float:
    """Variance of ``w @ log C`` from which pairs fall within r, C(r) held at its estimate:
    two unordered counts N(r), N(s) over the same M pairs covary as
    M (C(min(r, s)) - C(r) C(s)), and levels share the pairs of the coarser one."""
    c = cs.c
    w = w.copy()
    level_of, radius_of, weight = [], [], []
    # log C at a subsample's radius = its own log C, less its own at the stitching radius,
    # plus the finer level's there: unroll coarsest first, carrying weight to finer levels.
    for k in range(len(cs.levels) - 1, -1, -1):
        cols = cs.levels[k].cols
        level_of += [k] * len(cols)
        radius_of += list(cols)
        weight += list(w[cols])
        if k:
            edge = cs.levels[k - 1].cols[-1]
            level_of.append(k)
            radius_of.append(edge)
            weight.append(-w[cols].sum())
            w[edge] += w[cols].sum()
    k, r, a = np.array(level_of), np.array(radius_of), np.array(weight)
    k, r, a = k[a != 0], r[a != 0], a[a != 0]
    m = np.array([level.pairs.sum() / 2.0 for level in cs.levels])
    cov = m[np.maximum.outer(k, k)] * (c[np.minimum.outer(r, r)] - np.outer(c[r], c[r]))
    cov /= np.outer(m[k] * c[r], m[k] * c[r])
    return float(a @ cov @ a)


def _region_draws_se(
    cs: CorrelationSum,
    left_out: np.ndarray,
    variance: float,
    mask: np.ndarray,
    regions: Callable[[np.ndarray], np.ndarray],
    seed: int,
    n_draws: int = 200,
) -> float:
    """The spread of D2 over log C curves drawn around the measured one, each fitted over
    its own scaling region (``mask`` where it finds none): Gaussian multipliers of the
    left-out curves' deviations, whose covariance is the jackknife's, scaled so that the
    variance of D2 over ``mask`` is the corrected ``variance``."""
    b = cs.n_blocks
    with np.errstate(divide="ignore"):
        log_c = np.log(cs.c)
    with np.errstate(invalid="ignore"):  # -inf - -inf where no pair is that close
        deviations = np.sqrt((b - 1) / b) * (left_out - left_out.mean(0))
    deviations = np.where(np.isfinite(deviations), deviations, 0.0)
    w = _slope_weights(cs.radii, mask)
    jackknife = float(np.sum((deviations @ w) ** 2))
    scale = np.sqrt(variance / jackknife) if jackknife > 0 else 1.0
    multipliers = np.random.default_rng(seed).standard_normal((n_draws, b))
    draws = np.exp(log_c + scale * multipliers @ deviations)  # exp(-inf) = 0: no pairs
    d2 = []
    for c, (lo, hi) in zip(draws, regions(draws), strict=True):
        chosen = mask
        if lo >= 0:
            chosen = np.zeros(len(mask), bool)
            chosen[lo : hi + 1] = True
        d2.append(_fit(cs.radii, c, chosen))
    return float(np.nanstd(d2, ddof=1))
