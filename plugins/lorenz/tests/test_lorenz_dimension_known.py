"""D2's jackknife error and scaling-region rule against answers worked out by hand."""

import numpy as np
import pytest
from gansci_lorenz import dimension
from gansci_lorenz.dimension import CorrelationSum, correlation_dimension, scaling_region

POINTS = np.zeros((10, 3))  # only checked for shape: C(r) itself is replaced


def _d2_of(monkeypatch, cs: CorrelationSum, **kwargs):
    monkeypatch.setattr(dimension, "correlation_sum", lambda *a, **k: cs)
    return correlation_dimension(POINTS, radii=cs.radii, **kwargs)


def test_jackknife_of_two_blocks_with_slopes_2_and_3_is_one_half(monkeypatch):
    # Block 0 alone has C = r^2 / 100, block 1 alone C = r^3 / 100: leaving out one block
    # leaves the other's slope, so the estimates are 3 and 2 and the standard error is
    # sqrt((2 - 1) / 2 * (0.5^2 + 0.5^2)) = 0.5.
    radii = np.array([1.0, 2.0, 4.0])
    counts = np.array([[1.0, 4, 16], [2, 16, 128]])
    pairs = np.array([[100.0] * 3, [200.0] * 3])
    out = _d2_of(monkeypatch, CorrelationSum(radii, counts, pairs, 10), region=(1, 4), min_pairs=1)
    assert out.se == pytest.approx(0.5, abs=1e-12)


def test_jackknife_se_is_the_delete_one_block_formula_over_the_region(monkeypatch):
    radii = np.array([1.0, 2.0, 4.0, 8.0])
    counts = np.array([[3.0, 11, 40, 90], [2, 9, 45, 80], [4, 14, 38, 99], [1, 12, 52, 70]])
    # Pairs change between radii where C(r) is counted on a subsample of another size.
    pairs = np.array([[500.0, 500, 250, 250], [450, 450, 230, 230], [520, 520, 260, 260]])
    pairs = np.vstack([pairs, [[480.0, 480, 240, 240]]])
    out = _d2_of(monkeypatch, CorrelationSum(radii, counts, pairs, 10), region=(2, 4), min_pairs=1)
    # Over radii 2 and 4 the fitted slope of log C on log r is log2(C(4) / C(2)).
    c_out = (counts.sum(0) - counts) / (pairs.sum(0) - pairs)  # C(r) with block k left out
    theta = np.log2(c_out[:, 2] / c_out[:, 1])
    expected = np.sqrt(3 / 4 * np.sum((theta - theta.mean()) ** 2))
    assert out.region == (2.0, 4.0)
    assert out.se == pytest.approx(expected, rel=1e-12)
    assert expected > 0.01  # the blocks disagree: the test can tell one SE from another


def test_scaling_region_is_the_straight_part_of_c_proportional_to_r_squared(monkeypatch):
    # log2 N(r) at r = 2^0 .. 2^11: straight with slope 2 from r = 2^3 to 2^8, steeper below
    # and flattening above. Central differences give local slopes
    #   3.2 2.9 2.4 2.1 | 2 2 2 2 | 1.75 1.3 0.95 0.8
    # so the longest run within tolerance 0.2 is 2^3 .. 2^7 (2.1 and four 2s), longer than
    # the flatter 2^4 .. 2^7: 2^8 sees the bend (1.75). Below 2^3 the pairs are too few
    # (min_pairs = N(2^3) = 256).
    radii = 2.0 ** np.arange(12)
    log2_n = np.array([0, 3.2, 5.8, 8, 10, 12, 14, 16, 18, 19.5, 20.6, 21.4])
    n_within = 2.0**log2_n
    counts = np.stack([n_within, n_within])  # two blocks: N unordered pairs, ordered 2N
    pairs = np.full((2, 12), 2.0**23)
    cs = CorrelationSum(radii, counts, pairs, 10)
    np.testing.assert_allclose(
        dimension.local_slopes(radii, cs.c),
        [3.2, 2.9, 2.4, 2.1, 2, 2, 2, 2, 1.75, 1.3, 0.95, 0.8],
        atol=1e-12,
    )
    out = _d2_of(monkeypatch, cs, tolerance=0.2, min_radii=4, min_pairs=256)
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
