"""The D2 estimator on sets of known dimension, its errors, and the same-radii comparison."""

import numpy as np
import pytest
from gansci_lorenz.dimension import (
    DimensionError,
    correlation_dimension,
    correlation_sum,
    scaling_region,
)
from gansci_lorenz.measures import d2_compare
from gansci_lorenz.systems import henon_points

from gansci.plugin import DataError


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


def test_theiler_window_removes_time_neighbours():
    # A densely sampled curve: at small radii a point's neighbours are its time neighbours.
    t = np.linspace(0, 20, 20_000)
    x = np.c_[np.cos(t), np.sin(t), np.random.default_rng(0).normal(0, 1e-3, len(t))]
    radii = np.geomspace(0.002, 0.05, 8)
    plain = correlation_sum(x, radii)
    windowed = correlation_sum(x, radii, theiler=20)
    assert (windowed.c < plain.c).all()
    # Exact bookkeeping: with the window, a brute-force count agrees.
    sub = x[:1500]
    cs = correlation_sum(sub, radii, theiler=20, max_pairs=0)
    d = np.linalg.norm(sub[:, None] - sub[None], axis=-1)
    i, j = np.indices(d.shape)
    keep = np.abs(i - j) > 20
    brute = [(d[keep] <= r).mean() for r in radii]
    np.testing.assert_allclose(cs.c, brute, rtol=1e-12)


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
