"""D2's default radii, standard error (block jackknife, pair-noise correction, region
draws) and scaling-region rule against answers worked out by hand."""

import re

import numpy as np
import pytest
from gansci_lorenz import dimension
from gansci_lorenz.dimension import (
    CorrelationSum,
    _Level,
    correlation_dimension,
    correlation_sum,
    default_radii,
    scaling_region,
)
from scipy.spatial.distance import pdist, squareform

POINTS = np.zeros((10, 3))  # only checked for shape: C(r) itself is replaced
LN2 = np.log(2.0)
EVERY_PAIR = np.full((3, 3), 1000.0) - np.diag([1000.0] * 3)  # 1,000 pairs between blocks


def _level(cols, within: np.ndarray, eligible: np.ndarray) -> _Level:
    """A level from unordered pair counts between blocks: ``within`` (B, B, R) pairs within
    each radius, ``eligible`` (B, B) pairs; symmetric, the diagonal a block's own pairs."""
    own, own_eligible = np.einsum("bbr->br", within), np.diagonal(eligible)
    # ordered pairs whose first point is in block b: cross pairs once, own pairs twice
    return _Level(
        np.asarray(cols),
        within.sum(1) + own,
        2.0 * own,
        eligible.sum(1) + own_eligible,
        2.0 * own_eligible,
    )


def _between(curves: dict[tuple[int, int], list[float]], n_blocks: int) -> np.ndarray:
    """(B, B, R) pair counts with ``curves[a, b]`` between blocks a and b, none within."""
    n_radii = len(next(iter(curves.values())))
    out = np.zeros((n_blocks, n_blocks, n_radii))
    for (a, b), counts in curves.items():
        out[a, b] = out[b, a] = counts
    return out


def _two_block_pairs(n_within, tilt) -> np.ndarray:
    """(2, 2, R) pair counts of two blocks with ``n_within`` pairs within each radius in
    all, a third each within block 0, within block 1 and between them, except that block
    0's own pairs are ``exp(tilt)`` times more and block 1's ``exp(-tilt)`` times, the pairs
    between them making up the difference: C(r) is untouched, and the left-out log C curves
    (10^12 eligible pairs each way) are log C -+ ``tilt``."""
    third, up, down = np.asarray(n_within, float) / 3, np.exp(tilt), np.exp(-tilt)
    return np.stack(
        [[third * up, third * (3 - up - down)], [third * (3 - up - down), third * down]]
    )


def _two_blocks(n_within, tilt) -> _Level:
    within = _two_block_pairs(n_within, tilt)
    return _level(np.arange(within.shape[-1]), within, np.full((2, 2), 1e12))


def _d2_of(monkeypatch, radii, levels, **kwargs):
    cs = CorrelationSum(np.asarray(radii, float), tuple(levels), np.zeros(10, int), 10)
    monkeypatch.setattr(dimension, "correlation_sum", lambda *a, **k: cs)
    return correlation_dimension(POINTS, radii=cs.radii, min_pairs=1, **kwargs)


def test_pair_noise_of_a_two_radius_slope_is_one_over_n1_less_one_over_n2(monkeypatch):
    # Three blocks, each two of them with 100 pairs within r = 1 and 400 within r = 2: every
    # left-out estimate is 2, so the jackknife says 0 and the standard error is the pair
    # noise alone. The slope is log(N2 / N1) / ln 2 and the N1 pairs within r = 1 are among
    # the N2 within r = 2 (each within r = 1 with probability N1 / N2), so its variance is
    # (1 / N1 - 1 / N2) / ln(2)^2 with N1 = 300 and N2 = 1200: SE 0.072135.
    within = _between({(0, 1): [100, 400], (0, 2): [100, 400], (1, 2): [100, 400]}, 3)
    out = _d2_of(monkeypatch, [1, 2], [_level([0, 1], within, EVERY_PAIR)], region=(1, 2))
    assert out.d2 == pytest.approx(2.0, abs=1e-12)
    assert out.se == pytest.approx(np.sqrt((1 / 300 - 1 / 1200) / LN2**2), rel=1e-12)
    assert out.se == pytest.approx(0.072135, abs=1e-6)


def test_jackknife_less_the_pair_noise_it_counts_twice(monkeypatch):
    # Blocks 1-2 pairs have slope 1, blocks 0-2 slope 2, blocks 0-1 slope 3: leaving out
    # block 0, 1 or 2 leaves one pair of blocks, so the estimates are 1, 2 and 3 and the
    # jackknife variance is (3 - 1) / 3 * (1 + 0 + 1) = 4/3. All pairs: N1 = 300, N2 = 1400,
    # pair noise (1/300 - 1/1400) / ln(2)^2; the jackknife holds it 2 (B - 2) B / (B - 1)^2
    # = 3/2 times, so 1/2 of it is taken off: SE^2 = 4/3 - (1/300 - 1/1400) / ln(2)^2 / 2.
    within = _between({(1, 2): [100, 200], (0, 2): [100, 400], (0, 1): [100, 800]}, 3)
    out = _d2_of(monkeypatch, [1, 2], [_level([0, 1], within, EVERY_PAIR)], region=(1, 2))
    assert out.d2 == pytest.approx(np.log2(1400 / 300), abs=1e-12)
    pair_noise = (1 / 300 - 1 / 1400) / LN2**2
    assert out.se == pytest.approx(np.sqrt(4 / 3 - pair_noise / 2), rel=1e-12)
    assert out.se == pytest.approx(1.15352, abs=5e-6)


def test_pair_noise_across_levels_counts_the_subsample_that_made_the_slope(monkeypatch):
    # Radii 1 and 2 counted on all points (3 x 100,000 pairs: C = 1e-4, 0.01), radii 2 and 4
    # on a subsample (3 x 10,000 pairs: C = 0.011, 0.044), stitched at r = 2: its C(4) is
    # scaled by 0.01 / 0.011 to 0.04. Over 2 .. 4 the slope is the subsample's own
    # log2(C(4) / C(2)) = 2, so its pair noise is that of the subsample's 30,000 pairs at
    # C(r) as estimated (N1 = 300 and N2 = 1200 of them): SE sqrt((1/300 - 1/1200)) / ln 2,
    # 0.072135, as if the full count at r = 2 (3,000 pairs) were not there; with it the
    # variance would be a tenth. The levels' own slopes have no pair noise in common.
    pairs = [(0, 1), (0, 2), (1, 2)]
    full = _between({pair: [10, 1000] for pair in pairs}, 3)
    sub = _between({pair: [110, 440] for pair in pairs}, 3)
    levels = [_level([0, 1], full, 100 * EVERY_PAIR), _level([2], sub, 10 * EVERY_PAIR)]
    out = _d2_of(monkeypatch, [1, 2, 4], levels, region=(2, 4))
    np.testing.assert_allclose(out.c, [1e-4, 0.01, 0.04], rtol=1e-12)
    assert out.d2 == pytest.approx(2.0, abs=1e-12)
    assert out.se == pytest.approx(np.sqrt(1 / 300 - 1 / 1200) / LN2, rel=1e-12)
    # over 1 .. 4 both levels' slopes count, each with its own pair noise: the full
    # points' from 1 to 2 (N = 30 and 3,000) and the subsample's from 2 to 4, each slope
    # with weight 1/2
    out = _d2_of(monkeypatch, [1, 2, 4], levels, region=(1, 4))
    assert out.d2 == pytest.approx(np.log2(0.04 / 1e-4) / 2, abs=1e-12)
    variance = (1 / 30 - 1 / 3000 + 1 / 300 - 1 / 1200) / 4 / LN2**2
    assert out.se == pytest.approx(np.sqrt(variance), rel=1e-12)
    # with a smaller radius on all points too (C(1/2) = 1e-5) the subsample is still
    # stitched at the finer level's last radius, 2: the same error over 2 .. 4
    full = _between({pair: [1, 10, 1000] for pair in pairs}, 3)
    levels = [_level([0, 1, 2], full, 100 * EVERY_PAIR), _level([3], sub, 10 * EVERY_PAIR)]
    out = _d2_of(monkeypatch, [0.5, 1, 2, 4], levels, region=(2, 4))
    np.testing.assert_allclose(out.c, [1e-5, 1e-4, 0.01, 0.04], rtol=1e-12)
    assert out.se == pytest.approx(np.sqrt(1 / 300 - 1 / 1200) / LN2, rel=1e-12)


def test_draws_each_choose_their_region_a_radius_on_the_edge_joins_half(monkeypatch):
    # log2 N(r) at r = 2^0 .. 2^7; local slopes 2 2 2 2 2.1 (2.2 - 5e-10) 3.6 5: the longest
    # run within tolerance 0.2 is 2^0 .. 2^5, by 5e-10. The blocks differ at 2^6 alone, so
    # each drawn curve moves log C(2^6) by a Gaussian amount (0.02 sd in the local slope at
    # 2^5) and nothing else: half the draws push 2^5 out of the region. Fitted over
    # 2^0 .. 2^5 the slope is 2 + 0.2 / 7 (the least-squares weight of 2^5 is 2.5 / 17.5),
    # over 2^0 .. 2^4 exactly 2; D2 over draws half one, half the other has a spread of half
    # the difference, 0.2 / 14 (0.491 to 0.501 of the difference for any split of the 200
    # draws from 40/60 to 60/40).
    log2_n = np.array([0, 2, 4, 6, 8, 10.2, 12.4 - 1e-9, 17.4]) + 20
    tilt = np.zeros(8)
    tilt[6] = 0.04 * LN2
    level = _two_blocks(2**log2_n, tilt)
    out = _d2_of(monkeypatch, 2.0 ** np.arange(8), [level], tolerance=0.2)
    np.testing.assert_allclose(out.slopes, [2, 2, 2, 2, 2.1, 2.2 - 5e-10, 3.6, 5], atol=1e-10)
    assert out.region == (1.0, 32.0)
    assert out.d2 == pytest.approx(2 + 0.2 / 7, abs=1e-12)
    assert 0.491 * 0.2 / 7 <= out.se <= 0.502 * 0.2 / 7
    # over the region given, the draws' region change is no part of the error
    given = _d2_of(monkeypatch, 2.0 ** np.arange(8), [level], region=(1, 32))
    assert given.se < 0.05 * out.se


def test_draws_that_keep_the_region_give_the_regions_own_error(monkeypatch):
    # C proportional to r^2 over r = 2^0 .. 2^5 and the blocks differing at 2^3 by -+0.01
    # in log C: the local slopes move by about 0.01, far inside the tolerance, so every draw
    # fits the same region, and D2's spread over the 200 draws is the corrected jackknife's
    # standard error over that region, within their own sampling error (5 %). Two blocks
    # hold none of the pair noise (2 (B - 2) B / (B - 1)^2 = 0), so all of it is added:
    # about 1.3 times the jackknife's variance here, so drawn curves not scaled to it would
    # spread a third less.
    log2_n = 2.0 * np.arange(6) + 18
    tilt = np.zeros(6)
    tilt[3] = 0.01
    level = _two_blocks(2**log2_n, tilt)
    auto = _d2_of(monkeypatch, 2.0 ** np.arange(6), [level])
    given = _d2_of(monkeypatch, 2.0 ** np.arange(6), [level], region=(1, 32))
    assert auto.region == (1.0, 32.0)
    assert 0.88 <= auto.se / given.se <= 1.12, (auto.se, given.se)


def _z(seed: int) -> np.ndarray:
    """The standard normal moving each of the 200 drawn curves: the draws' multipliers are
    ``default_rng(seed).standard_normal((200, B))``, and with two blocks whose left-out
    curves are log C -+ tilt a draw is log C + tilt (m1 - m0) / sqrt(2) (times the scale)."""
    m = np.random.default_rng(seed).standard_normal((200, 2))
    return (m[:, 1] - m[:, 0]) / np.sqrt(2)


@pytest.mark.parametrize("alone", [False, True])
@pytest.mark.parametrize("seed", [0, 7])
def test_draws_that_keep_the_region_spread_as_their_multipliers(monkeypatch, seed, alone):
    # log2 N(r) at r = 2^-1 .. 2^7: local slopes 3 2.5 | 2 2 2 2 | 1.5 0.75 0.5, so the
    # region is 2^1 .. 2^4, where D2 = 2; the blocks differ at 2^2 alone, by -+0.01 in log C.
    # Each draw moves log C(2^2) by 0.01 z s, with s scaling the drawn D2 to the corrected
    # variance; the local slopes move by 0.01 z s / (2 ln 2), never enough to change the
    # region, so each drawn D2 is 2 + SE_region z, and the spread over the draws is the
    # region's own SE (given the region) times the sample standard deviation of z: exactly,
    # for the default 200 draws and the seed passed. ``alone``: the pairs within r = 2^-1
    # are all block 0's own, so leaving block 0 out leaves none there (log C = -inf, whose
    # deviation the draws leave at 0: the answer is the same).
    radii = 2.0 ** np.arange(-1, 8)
    log2_n = np.array([15, 18, 20, 22, 24, 26, 28, 29, 29.5])
    tilt = np.zeros(9)
    tilt[3] = 0.01
    within = _two_block_pairs(2**log2_n, tilt)
    if alone:
        within[:, :, 0] = [[2.0**15, 0], [0, 0]]
    level = _level(np.arange(9), within, np.full((2, 2), 1e12))
    auto = _d2_of(monkeypatch, radii, [level], seed=seed)
    given = _d2_of(monkeypatch, radii, [level], region=(2, 16), seed=seed)
    np.testing.assert_allclose(auto.slopes, [3, 2.5, 2, 2, 2, 2, 1.5, 0.75, 0.5], atol=1e-10)
    assert auto.region == (2.0, 16.0)
    np.testing.assert_array_equal(auto.in_region, (radii >= 2) & (radii <= 16))
    assert auto.d2 == given.d2 == pytest.approx(2.0, abs=1e-12)
    assert auto.se == pytest.approx(given.se * np.std(_z(seed), ddof=1), rel=1e-9)


def test_a_draw_that_finds_no_region_is_fitted_over_the_measured_one(monkeypatch):
    # Local slopes 2 2 2 2.18 | 3.5 4.32 4: the region is 2^0 .. 2^3, exactly min_radii
    # long, where D2 = 2. The blocks differ at 2^4 alone, so a draw moves the slope at 2^3
    # by 0.02 z and nothing else in the region: for z > 1 (about a sixth of the draws) 2^3
    # leaves and no run of four radii is left. Such a draw is fitted over 2^0 .. 2^3 as
    # measured, like the others: every drawn D2 is 2, and the spread 0.
    log2_n = np.array([0, 2, 4, 6, 8.36, 13, 17]) + 20
    tilt = np.zeros(7)
    tilt[4] = 0.04 * LN2
    out = _d2_of(monkeypatch, 2.0 ** np.arange(7), [_two_blocks(2**log2_n, tilt)])
    np.testing.assert_allclose(out.slopes, [2, 2, 2, 2.18, 3.5, 4.32, 4], atol=1e-10)
    assert out.region == (1.0, 8.0)
    assert (_z(0) > 1).sum() > 20  # the premise: many draws find no region
    assert out.d2 == pytest.approx(2.0, abs=1e-12)
    assert out.se < 1e-12


def test_draws_whose_deviations_leave_the_fit_untouched_move_at_unit_scale(monkeypatch):
    # As the edge test above, but the local slope at 2^5 is 2.18, 0.02 inside the
    # tolerance: the blocks differ at 2^6 alone (outside the region), so the jackknife of
    # D2 over the region is 0 and the draws are not rescaled (s = 1): a draw moves the slope
    # at 2^5 by 0.02 z and leaves 2^5 out of the region iff z > 1. The drawn D2 is then
    # 2 (over 2^0 .. 2^4), else 2 + 0.2 / 7 (over 2^0 .. 2^5): with k of the 200 draws out,
    # the spread is 0.2 / 7 sqrt(k (200 - k) / (200 * 199)).
    log2_n = np.array([0, 2, 4, 6, 8, 10.2, 12.36, 17.4]) + 20
    tilt = np.zeros(8)
    tilt[6] = 0.04 * LN2
    out = _d2_of(monkeypatch, 2.0 ** np.arange(8), [_two_blocks(2**log2_n, tilt)], seed=3)
    assert out.region == (1.0, 32.0)
    assert out.d2 == pytest.approx(2 + 0.2 / 7, abs=1e-12)
    k = int((_z(3) > 1).sum())
    assert out.se == pytest.approx(0.2 / 7 * np.sqrt(k * (200 - k) / (200 * 199)), rel=1e-9)


def test_correlation_dimension_defaults(monkeypatch):
    # C proportional to r^2 at four radii, the first holding exactly 50 pairs: by default
    # (at least 50 pairs, at least 4 radii) the region is all four
    calls = []
    level = _two_blocks(50 * 4.0 ** np.arange(4), np.zeros(4))
    cs = CorrelationSum(2.0 ** np.arange(4), (level,), np.zeros(10, int), 10)
    assert cs.n_pairs_within[0] == 50
    monkeypatch.setattr(dimension, "correlation_sum", lambda *a: calls.append(a[2:]) or cs)
    out = correlation_dimension(POINTS, radii=cs.radii)
    assert out.region == (1.0, 8.0) and out.d2 == pytest.approx(2.0, abs=1e-12)
    assert out.n_points == len(POINTS)
    assert calls == [(0, 20, 2.0, 5e5, 0)]  # theiler, n_blocks, p, max_pairs, seed


def test_correlation_sum_of_ten_points_on_a_line():
    # 45 pairs, 9 of them 1 apart and 8 two apart: C(1.5) = 9/45, C(2.5) = 17/45; ten
    # points make at most five blocks, and there are never fewer than two
    cs = correlation_sum(np.arange(10.0), [1.5, 2.5])
    np.testing.assert_allclose(cs.c, [9 / 45, 17 / 45], rtol=1e-12)
    np.testing.assert_allclose(cs.n_pairs_within, [9, 17], rtol=1e-12)
    assert cs.n_blocks == 5 and cs.n_points == 10
    assert correlation_sum(np.arange(10.0), [1.5, 2.5], n_blocks=1).n_blocks == 2
    # the seed sets the blocks; by default 0
    x = np.random.default_rng(0).uniform(size=(100, 2))
    assert correlation_sum(x, [0.1, 0.2]).n_blocks == 20  # the default, under 100 // 2
    # rows of any shape are flattened: (10, 2, 1) points are the (10, 2) grid's
    grid = np.stack(np.meshgrid(np.arange(5.0), np.arange(2.0)), -1).reshape(-1, 2)
    np.testing.assert_allclose(correlation_sum(grid[:, :, None], [1.2, 2.1]).c, [13 / 45, 27 / 45])
    default = correlation_sum(x, [0.1, 0.2]).blocks
    assert (default == correlation_sum(x, [0.1, 0.2], seed=0).blocks).all()
    assert not (default == correlation_sum(x, [0.1, 0.2], seed=1).blocks).all()


def test_correlation_sum_in_the_maximum_norm():
    # a 2 x 5 grid with spacing 1 (45 pairs): within 1.2 the 13 side neighbours and, in
    # the maximum norm, the 8 diagonal ones; within 2.1 also the 6 two apart along a row
    # and the 6 two along and one across (Euclidean sqrt 5 > 2.1). The rows zigzag, so that
    # rows next to each other are mostly diagonal neighbours.
    grid = np.array([[k, k % 2] for k in range(5)] + [[k, 1 - k % 2] for k in range(5)], float)
    euclid = correlation_sum(grid, [1.2, 2.1])
    np.testing.assert_allclose(euclid.c, [13 / 45, 27 / 45], rtol=1e-12)
    cs = correlation_sum(grid, [1.2, 2.1], p=np.inf, n_blocks=2)  # 5 points a block
    np.testing.assert_allclose(cs.c, [21 / 45, 33 / 45], rtol=1e-12)
    for b in (0, 1):
        d = pdist(grid[cs.blocks != b], "chebyshev")
        np.testing.assert_allclose(cs.c_without(b), [(d <= 1.2).mean(), (d <= 2.1).mean()])
    # with a Theiler window of one row, the pairs of neighbouring rows leave in that norm too
    d = squareform(pdist(grid, "chebyshev"))
    i, j = np.indices(d.shape)
    far = np.abs(i - j) > 1
    cs = correlation_sum(grid, [1.2, 2.1], theiler=1, p=np.inf)
    np.testing.assert_allclose(cs.c, [(d[far] <= 1.2).mean(), (d[far] <= 2.1).mean()])


def test_two_nested_levels_from_2000_points():
    # 2,000 points halve once, to 1,000: by the unit square's law a radius moves to the
    # half once 1,000 x 999 C(r) holds 2 max_pairs = 40,000 ordered pairs (C >= 0.04, from
    # r of about 0.12)
    x = np.random.default_rng(0).uniform(size=(2000, 2))
    cs = correlation_sum(x, [0.02, 0.05, 0.2, 0.5], max_pairs=2e4)
    assert [list(level.cols) for level in cs.levels] == [[0, 1], [2, 3]]


def test_a_subsample_with_no_pair_at_the_stitching_radius_is_left_unscaled(monkeypatch):
    # radii 1 and 2 on all points (C = 1e-4, 0.01), 2 and 4 on a subsample holding no pair
    # within 2, so nothing to scale by: its C(4), 0.044, stays as counted
    pairs = [(0, 1), (0, 2), (1, 2)]
    full = _between({pair: [10, 1000] for pair in pairs}, 3)
    sub = _between({pair: [0, 440] for pair in pairs}, 3)
    levels = (_level([0, 1], full, 100 * EVERY_PAIR), _level([2], sub, 10 * EVERY_PAIR))
    cs = CorrelationSum(np.array([1.0, 2, 4]), levels, np.zeros(10, int), 10)
    np.testing.assert_allclose(cs.c, [1e-4, 0.01, 0.044], rtol=1e-12)


def test_correlation_dimension_names_what_is_missing():
    # ten points 1 apart: 9 pairs within 1.5, 17 within 2.5, 24 within 3.5
    line, radii = np.arange(10.0), [1.5, 2.5, 3.5]
    with pytest.raises(dimension.DimensionError, match="fewer than two of the radii lie in"):
        correlation_dimension(line, radii=radii, region=(2, 3))
    expected = (
        "D2 of 10 points: only 9 pair(s) lie within r=1.5, fewer than min_pairs=50; use "
        "more points or larger radii"
    )
    with pytest.raises(dimension.DimensionError, match=f"^{re.escape(expected)}$"):
        correlation_dimension(line, radii=radii, region=(1.5, 2.5))
    expected = (
        "D2 of 10 points: no 4 consecutive radii in [1.5, 3.5] have at least 50 pairs within "
        "them and local slopes flat within 0.2 (0 of 3 radii have enough pairs); use more "
        "points, larger radii or a larger tolerance"
    )
    with pytest.raises(dimension.DimensionError, match=f"^{re.escape(expected)}$"):
        correlation_dimension(line, radii=radii)


@pytest.mark.parametrize(
    ("x", "radii", "theiler", "message"),
    [
        (np.arange(9.0), [1, 2], 0, "at least 10 points, got 9"),
        (np.r_[np.arange(9.0), np.nan], [1, 2], 0, "^D2: the points hold NaN or infinite values$"),
        (np.r_[np.arange(9.0), np.inf], [1, 2], 0, "NaN or infinite"),
        (np.arange(10.0), [1], 0, "^D2: radii must be at least two positive, increasing numbers$"),
        (np.arange(10.0), [0, 1], 0, "at least two positive, increasing"),
        (np.arange(10.0), [1, 1], 0, "at least two positive, increasing"),
        (np.arange(10.0), [[1, 2]], 0, "at least two positive, increasing"),
        (np.arange(10.0), [1, 2], -1, "Theiler window must be 0 or more rows, got -1"),
        (
            np.arange(10.0),
            [1, 2],
            9,
            "^D2: a Theiler window of 9 rows leaves no pair among 10 points; give a window "
            "shorter than the trajectory$",
        ),
    ],
)
def test_correlation_sum_refuses_bad_input_by_name(x, radii, theiler, message):
    with pytest.raises(dimension.DimensionError, match=message):
        correlation_sum(x, radii, theiler)


def test_a_theiler_window_one_row_short_of_the_trajectory_keeps_its_one_pair():
    cs = correlation_sum(np.arange(10.0), [1, 20], 8)  # only rows 0 and 9 are 9 apart
    assert np.isfinite(np.asarray(cs.c)).all() and np.asarray(cs.c)[-1] > 0


def test_local_slopes_are_nan_where_c_is_0():
    # log C = (-inf), log 1/4, 0 at r = 1, 2, 4: the slope at 4 is log2 4 = 2, the others NaN
    slopes = dimension.local_slopes(np.array([1.0, 2, 4]), np.array([0, 0.25, 1]))
    np.testing.assert_array_equal(np.isnan(slopes), [True, True, False])
    assert slopes[2] == pytest.approx(2.0, abs=1e-12)


def test_default_radii_span_the_median_neighbour_to_half_the_median_pair_distance():
    # Ten pairs of points 1 apart, the pairs 10 apart (0, 1, 10, 11, ..., 90, 91): every
    # nearest neighbour is 1 away (every second-nearest 9 or 10). Of the 190 pair
    # distances, 10 are 1 and each pair of pairs k apart (10 - k of them) gives 10k - 1,
    # 10k (twice) and 10k + 1: up to k = 2, 10 + 36 + 32 = 78; the 95th and 96th lie among
    # k = 3's 28 (7 at 29, 14 at 30, 7 at 31, from the 79th): the median is 30.
    x = (10 * np.arange(10)[:, None] + [0, 1]).reshape(-1, 1).astype(float)
    np.testing.assert_allclose(default_radii(x), np.geomspace(1, 15, 24), rtol=1e-12)
    # in 3-D, along a diagonal, the same
    along = x * [[2 / 3, 2 / 3, 1 / 3]]
    np.testing.assert_allclose(default_radii(along, 5), np.geomspace(1, 15, 5), rtol=1e-12)


def test_default_radii_of_coinciding_points_start_at_a_floor():
    # 0 .. 10, each point twice: no neighbour is any distance away, so the radii start at
    # 1e-12, not 0. Of the 231 pair distances 11 are 0 and positions d apart give 4 (11 - d):
    # 11, 51, 87, 119 up to d = 3, so the median (116th) is 3.
    x = np.repeat(np.arange(11.0), 2)[:, None]
    np.testing.assert_allclose(default_radii(x), np.geomspace(1e-12, 1.5, 24), rtol=1e-12)


def test_default_radii_start_at_the_median_distance_to_a_distinct_neighbour():
    # 0 .. 7 twice and 8, 9, 10 once: 16 of the 19 points coincide with another, the three
    # others are 1 from their nearest. Pairs d apart: 8 at 0, 32 at 1 (7 x 4 + 2 + 2), 29 at
    # 2 (6 x 4 + 2 x 2 + 1), 26 at 3 (5 x 4 + 3 x 2): 8, 40, 69, 95, so the median of the
    # 171 (the 86th) is 3.
    x = np.r_[np.repeat(np.arange(8.0), 2), 8, 9, 10][:, None]
    np.testing.assert_allclose(default_radii(x), np.geomspace(1, 1.5, 24), rtol=1e-12)


def test_default_radii_refuse_a_grid_whose_half_median_pair_distance_is_its_spacing():
    # A 3 x 4 grid with spacing 1: nearest neighbours 1 away; of the 66 pair distances 17
    # are 1, 12 are sqrt 2 and 10 are 2, so the 33rd and 34th are 2: r_hi = r_lo = 1.
    x = np.stack(np.meshgrid(np.arange(3.0), np.arange(4.0)), -1).reshape(-1, 2)
    with pytest.raises(dimension.DimensionError, match="too few or too clustered"):
        default_radii(x)


def test_default_radii_subsample_1000_points_with_the_seed():
    # Up to 1,000 points every point is in the subsample, in an order the seed sets: the
    # radii do not depend on it. At 1,001 one point is left out, a different one per seed.
    x = np.random.default_rng(0).uniform(size=(1001, 2))
    assert (default_radii(x[:1000], seed=0) == default_radii(x[:1000], seed=1)).all()
    assert not np.allclose(default_radii(x, seed=0), default_radii(x, seed=1), rtol=1e-9)
    assert (default_radii(x) == default_radii(x, seed=0)).all()
    assert (correlation_dimension(x, seed=1).radii == default_radii(x, seed=1)).all()


def test_scaling_region_is_the_straight_part_of_c_proportional_to_r_squared(monkeypatch):
    # log2 N(r) at r = 2^0 .. 2^11: straight with slope 2 from r = 2^3 to 2^8, steeper below
    # and flattening above. Central differences give local slopes
    #   3.2 2.9 2.4 2.1 | 2 2 2 2 | 1.75 1.3 0.95 0.8
    # so the longest run within tolerance 0.2 is 2^3 .. 2^7 (2.1 and four 2s), longer than
    # the flatter 2^4 .. 2^7: 2^8 sees the bend (1.75). Below 2^3 the pairs are too few
    # (min_pairs = N(2^3) = 256).
    radii = 2.0 ** np.arange(12)
    log2_n = np.array([0, 3.2, 5.8, 8, 10, 12, 14, 16, 18, 19.5, 20.6, 21.4])
    level = _two_blocks(2.0**log2_n, np.zeros(12))
    cs = CorrelationSum(radii, (level,), np.zeros(10, int), 10)
    slopes = [3.2, 2.9, 2.4, 2.1, 2, 2, 2, 2, 1.75, 1.3, 0.95, 0.8]
    np.testing.assert_allclose(dimension.local_slopes(radii, cs.c), slopes, atol=1e-12)
    monkeypatch.setattr(dimension, "correlation_sum", lambda *a, **k: cs)
    out = correlation_dimension(POINTS, radii=radii, tolerance=0.2, min_radii=4, min_pairs=256)
    assert out.region == (8.0, 128.0)
    assert out.d2 == pytest.approx(2.0, abs=1e-12)


def test_scaling_region_prefers_the_longest_run_even_if_flatter_runs_exist():
    # 2 .. 2.5 spans exactly the tolerance and is longer than the flat run of 2s.
    slopes = np.array([3, 2, 2.25, 2.5, 2.5, 1, 2, 2, 2, 7])
    assert scaling_region(slopes, np.ones(10, bool), tolerance=0.5, min_radii=3) == (1, 4)


def test_scaling_region_breaks_ties_in_length_by_flatness():
    slopes = np.array([2, 2.4, 2.2, 9, 3, 3, 3.1, 9])
    assert scaling_region(slopes, np.ones(8, bool), tolerance=0.5, min_radii=3) == (4, 6)


def test_scaling_region_stops_at_radii_with_too_few_pairs():
    valid = np.array([True, True, False, True, True, True])
    assert scaling_region(np.full(6, 2.0), valid, tolerance=0.1, min_radii=3) == (3, 5)


def test_scaling_region_accepts_a_run_of_exactly_min_radii():
    slopes = np.array([1.0, 2, 2, 2, 5])
    assert scaling_region(slopes, np.ones(5, bool), tolerance=0.1, min_radii=3) == (1, 3)
    assert scaling_region(slopes, np.ones(5, bool), tolerance=0.1, min_radii=4) is None


def test_subsampled_counting_follows_the_unit_square_pair_distance_law():
    # Two uniform points of the unit square lie within r <= 1 with probability
    # pi r^2 - 8/3 r^3 + r^4 / 2. A radius is counted on the smallest of the nested
    # subsamples (4,000, 2,000, 1,000 points) that holds max_pairs = 20,000 pairs within
    # it: by the law, all points up to r = 0.05 (0.05: 2,000 points would hold 15,000),
    # 2,000 at 0.08 (37,000 pairs), 1,000 from 0.126 on (22,000). The counts' own error
    # is about 3 % at 0.02 (10,000 pairs, their points' positions shared) and less above.
    x = np.random.default_rng(0).uniform(size=(4000, 2))
    radii = np.geomspace(0.02, 0.5, 8)
    cs = dimension.correlation_sum(x, radii, max_pairs=2e4)
    assert [list(level.cols) for level in cs.levels] == [[0, 1, 2], [3], [4, 5, 6, 7]]
    law = np.pi * radii**2 - 8 / 3 * radii**3 + radii**4 / 2
    np.testing.assert_allclose(cs.c, law, rtol=0.05)


def test_scaling_regions_of_several_curves_are_each_its_own():
    # the flattest run is chosen per curve, and a curve with none is -1 beside the others
    slopes = np.array([[2, 2, 2, 9], [9, 2, 2.1, 2.05], [1, 5, 1, 5]])
    out = dimension._scaling_regions(slopes, np.ones(4, bool), tolerance=0.2, min_radii=3)
    np.testing.assert_array_equal(out, [[0, 2], [1, 3], [-1, -1]])


def test_a_fit_over_a_radius_with_no_pair_is_nan():
    c, radii = np.array([0, 0.25, 1]), np.array([1.0, 2, 4])
    assert np.isnan(dimension._fit(radii, c, np.ones(3, bool)))
    assert dimension._fit(radii, c, np.array([False, True, True])) == pytest.approx(2.0)


def test_scaling_region_may_start_at_the_smallest_radius():
    assert scaling_region(np.full(5, 2.0), np.ones(5, bool), tolerance=0.1, min_radii=3) == (0, 4)


@pytest.mark.parametrize(
    ("x", "radii", "p", "max_pairs", "level_size"),
    [
        # 4,000 identical points: C = 1 at every radius and in every subsample, so the
        # pilot's C is exactly 1 and a level of m points holds m (m - 1) / 2 pairs.
        # Halving gives the levels 4,000, 2,000, 1,000 (the pilot): 2,000 points hold
        # exactly 1,999,000 pairs, so that is the smallest level with max_pairs of them...
        (np.zeros((4000, 2)), [0.5, 1.0], 2.0, 1_999_000, 2000),
        # ...and one pair more needs all 4,000
        (np.zeros((4000, 2)), [0.5, 1.0], 2.0, 1_999_001, 4000),
        # two points 1 apart in the maximum norm (√2 in the Euclidean): within 1.2 in the
        # pilot's norm, every pair is, whichever points the pilot drew
        (np.repeat([[0.0, 0.0], [1.0, 1.0]], 2000, axis=0), [1.2, 2.0], np.inf, 1_999_000, 2000),
    ],
)
def test_each_radius_is_counted_on_the_smallest_level_holding_max_pairs(
    x, radii, p, max_pairs, level_size
):
    cs = correlation_sum(x, radii, p=p, max_pairs=max_pairs)
    assert len(cs.levels) == 1
    np.testing.assert_array_equal(cs.levels[0].cols, [0, 1])
    assert cs.levels[0].pairs.sum() == level_size * (level_size - 1)  # ordered pairs


def test_the_pilot_is_the_smallest_level_and_the_default_budget_picks_the_middle_one(
    monkeypatch,
):
    # the pilot only chooses levels, so it must cost no more than the smallest of them
    built = []

    class Recording(dimension.cKDTree):
        def __init__(self, data, *args, **kwargs):
            built.append(len(data))
            super().__init__(data, *args, **kwargs)

    monkeypatch.setattr(dimension, "cKDTree", Recording)
    correlation_sum(np.zeros((4000, 2)), [0.5, 1.0])
    assert built[:2] == [1000, 1000]  # the pilot's two trees: levels 4,000, 2,000, 1,000
    # 1,000 identical points hold 499,500 pairs, under the default 500,000, and 2,000 hold
    # 1,999,000: the 2,000 level
    monkeypatch.undo()
    cs = correlation_sum(np.zeros((4000, 2)), [0.5, 1.0])
    assert cs.levels[0].pairs.sum() == 2000 * 1999
