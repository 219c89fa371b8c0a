"""The D2 estimator on sets of known dimension, its standard error, the Theiler window, its
errors, and the same-radii comparison."""

import numpy as np
import pytest
from gansci_lorenz.dimension import (
    DimensionError,
    correlation_dimension,
    correlation_sum,
    default_radii,
    scaling_region,
)
from gansci_lorenz.measures import d2_compare
from gansci_lorenz.systems import flow_points, henon_points, lorenz63_field

from gansci.plugin import DataError

START = np.array([1.0, 1.0, 27.0])  # where the lorenz63 dataset starts its trajectories


@pytest.mark.parametrize(
    ("dim", "expected"),
    [(1, 1.0), (2, 2.0), (3, 3.0)],
)
def test_uniform_sets_have_their_dimension(dim, expected):
    rng = np.random.default_rng(dim)
    x = np.zeros((40_000, 3))
    x[:, :dim] = rng.uniform(size=(40_000, dim))  # a segment, a square, a cube in 3-D
    r = correlation_dimension(x, radii=np.geomspace(0.01, 0.1, 12))
    assert abs(r.d2 - expected) < 0.06 * expected, r.d2
    assert 0 < r.se < 0.05


def test_henon_dimension_is_about_1_21():
    r = correlation_dimension(henon_points(40_000, seed=3))
    assert abs(r.d2 - 1.21) < 0.05, r.d2


def _brute_c(x: np.ndarray, radii: np.ndarray, theiler: int) -> np.ndarray:
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    i, j = np.indices(d.shape)
    keep = np.abs(i - j) > theiler
    return np.array([(d[keep] <= r).mean() for r in radii])


def test_theiler_window_removes_time_neighbours():
    # A densely sampled curve: at small radii a point's neighbours are its time neighbours.
    t = np.linspace(0, 20, 20_000)
    x = np.c_[np.cos(t), np.sin(t), np.random.default_rng(0).normal(0, 1e-3, len(t))]
    radii = np.geomspace(0.002, 0.05, 8)
    plain = correlation_sum(x, radii)
    windowed = correlation_sum(x, radii, theiler=20)
    assert (windowed.c < plain.c).all()
    # Exact bookkeeping: with the window, a brute-force count agrees, for all points and
    # with each block (contiguous in time) left out.
    sub = x[:1500]
    cs = correlation_sum(sub, radii, theiler=20, n_blocks=5, max_pairs=0)
    np.testing.assert_allclose(cs.c, _brute_c(sub, radii, 20), rtol=1e-12)
    np.testing.assert_array_equal(cs.blocks, np.repeat(np.arange(5), 300))
    for b in range(5):
        rest = cs.blocks != b
        # rows of other blocks farther apart than the window are eligible, even where the
        # left-out block lay between them: compare with the rows' own distances in time
        d = np.linalg.norm(sub[rest][:, None] - sub[rest][None], axis=-1)
        rows = np.flatnonzero(rest)
        keep = np.abs(rows[:, None] - rows[None]) > 20
        brute = [(d[keep] <= r).mean() for r in radii]
        np.testing.assert_allclose(cs.c_without(b), brute, rtol=1e-12)


def test_left_out_blocks_are_exact_in_random_order():
    x = np.random.default_rng(1).uniform(size=(1200, 3))
    radii = np.geomspace(0.05, 0.4, 6)
    cs = correlation_sum(x, radii, n_blocks=4, max_pairs=0)
    assert sorted(np.bincount(cs.blocks)) == [300] * 4
    assert (np.diff(cs.blocks) != 0).mean() > 0.5  # not contiguous: random blocks
    for b in range(4):
        np.testing.assert_allclose(
            cs.c_without(b), _brute_c(x[cs.blocks != b], radii, 0), rtol=1e-12
        )


def test_theiler_window_works_on_time_ordered_rows_only():
    # Four Lorenz trajectories, every integration step kept (0.005 time units apart).
    pts = flow_points(lorenz63_field(), START, 20_000, 4, 0.005, 0.005, 20.0, 0)
    ordered = (pts - pts.mean(0)) / pts.std(0)
    shuffled = ordered[np.random.default_rng(0).permutation(len(ordered))]
    radii = default_radii(ordered)
    d2 = {
        (name, w): correlation_dimension(x, radii=radii, theiler=w)
        for name, x in (("ordered", ordered), ("shuffled", shuffled))
        for w in (0, 50)
    }
    for key, r in d2.items():
        print(*key, f"D2 {r.d2:.3f} +- {r.se:.3f}")  # pytest -rP shows it
    # In time order the window takes out the time neighbours, which pull D2 down...
    assert d2["ordered", 50].d2 - d2["ordered", 0].d2 > 0.03
    # ...and its contiguous blocks see the serial correlation that random blocks miss.
    assert d2["ordered", 50].se > 4 * d2["ordered", 0].se
    # Shuffled, the rows the window spans are unrelated points: it changes nothing.
    assert abs(d2["shuffled", 50].d2 - d2["shuffled", 0].d2) < 0.005


def test_standard_error_is_calibrated():
    """30 independent samples of 2,000 Lorenz points (a reduced experiments/d2_calibration.py):
    the spread of D2 over them against the mean stated standard error. With 29 degrees of
    freedom the ratio's own error is about 13 %: over seeds 0-4 it lay in 0.84-1.28, and
    the jackknife over pair centres that this replaced gave 1.5-2.7."""
    n, replicates = 2000, 30
    # each sample its own 200 trajectories, 10 points each 3 time units apart
    size = n * (replicates + 1)
    pts = flow_points(lorenz63_field(), START, size, size // 10, 0.005, 3.0, 10.0, 0)
    *samples, reference = ((pts - pts.mean(0)) / pts.std(0)).reshape(replicates + 1, n, 3)
    radii = default_radii(reference)
    region = correlation_dimension(reference, radii=radii).region
    auto = [correlation_dimension(x) for x in samples]
    given = [correlation_dimension(x, radii=radii, region=region, min_pairs=0) for x in samples]
    for results in (auto, given):
        d2, se = np.array([(r.d2, r.se) for r in results]).T
        ratio = d2.std(ddof=1) / se.mean()
        print(f"sd(D2) / mean(SE) {ratio:.3f}")  # pytest -rP shows it
        assert 0.7 < ratio < 1.45, ratio


def test_subsampled_counting_agrees_with_exact():
    x = henon_points(30_000, seed=1)
    radii = np.geomspace(0.002, 0.5, 14)
    exact = correlation_sum(x, radii, max_pairs=0).c
    fast = correlation_sum(x, radii, max_pairs=2e5).c
    np.testing.assert_allclose(fast, exact, rtol=0.03)
    d2_exact = correlation_dimension(x, radii=radii, max_pairs=0)
    d2_fast = correlation_dimension(x, radii=radii, max_pairs=2e5)
    assert abs(d2_fast.d2 - d2_exact.d2) < 0.02


def test_too_few_points_for_the_radii_says_so():
    x = np.random.default_rng(0).uniform(size=(200, 2))
    with pytest.raises(DimensionError, match="200 points.*min_pairs|200 points.*consecutive"):
        correlation_dimension(x, radii=np.geomspace(1e-4, 1e-3, 8))
    with pytest.raises(DataError, match="at least 10 points"):
        correlation_dimension(x[:5])


def test_generated_compared_on_the_real_region():
    rng = np.random.default_rng(2)
    plane = np.c_[rng.uniform(size=(30_000, 2)), np.zeros(30_000)]
    cube = rng.uniform(size=(30_000, 3))
    same = d2_compare(plane[:15_000], plane[15_000:])
    other = d2_compare(cube[:15_000], plane[15_000:])
    assert same["d2_gap"] < 0.05
    assert other["d2"] > 2.7 and other["d2_gap"] > 0.7
    assert other["r_min"] == same["r_min"]  # the same radii: the real points'


def test_scaling_region_is_the_longest_flat_run():
    slopes = np.array([1.0, 1.5, 2.0, 2.02, 2.01, 1.99, 2.0, 1.6, 1.2])
    assert scaling_region(slopes, np.ones(9, bool), 0.1, 3) == (2, 6)
    assert scaling_region(slopes, np.ones(9, bool), 0.01, 3) is None
