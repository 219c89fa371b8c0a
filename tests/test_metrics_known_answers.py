"""Generic metrics against answers worked out by hand or in closed form."""

from math import comb, log, pi

import numpy as np
import pytest

from gansci.builtin.mixtures import grid25, mode_statistics
from gansci.metrics import c2st, energy_distance, mmd, prdc, sliced_wasserstein


def test_mmd_p_value_counts_tied_permutations_plus_one():
    # Two copies of 0 against two copies of 1000 with bandwidth 1: the kernel is 1 within
    # a copy pair and exactly 0 across, so MMD² is 1 + 1 - 0 = 2 for the observed split
    # and for its mirror image, and 0 + 0 - 2 * 2/4 = -1 for the four mixed splits.
    x, y = np.zeros((2, 1)), np.full((2, 1), 1000.0)
    out = mmd(x, y, rng=0, n_permutations=9, bandwidth=1.0)
    assert out["mmd2"] == 2.0
    # The relabellings mmd draws: rows of [T, T, F, F] shuffled by the rng.
    labels = np.zeros((9, 4), dtype=bool)
    labels[:, :2] = True
    perms = np.random.default_rng(0).permuted(labels, axis=1)
    ties = int((perms[:, 0] == perms[:, 1]).sum())  # the observed split or its mirror
    assert ties == 2  # so >= vs > and each +1 give different p-values
    assert out["p_value"] == (1 + ties) / (1 + 9)


def _binomial_tail(correct: int, n: int) -> float:
    return sum(comb(n, j) for j in range(correct, n + 1)) / 2**n


def test_c2st_p_value_is_the_exact_binomial_tail_of_the_held_out_correct_count():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 2)), rng.standard_normal((20, 2)) + 0.7
    out = c2st(x, y, rng=1, k=3)
    correct = round(out["c2st_accuracy"] * 20)  # 20 held-out points
    assert 10 < correct < 20
    assert out["c2st_p_value"] == pytest.approx(_binomial_tail(correct, 20), rel=1e-12)


def test_c2st_separated_samples_are_all_correct_with_p_two_to_minus_n():
    x, y = np.zeros((12, 2)), np.full((12, 2), 100.0)
    out = c2st(x, y, rng=0, k=1)
    assert out["c2st_accuracy"] == 1.0
    assert out["c2st_p_value"] == pytest.approx(2.0**-12, rel=1e-12)


def test_prdc_on_points_on_a_line_matches_the_hand_count():
    # k = 2; a radius is the distance to the 2nd nearest other point of the same set.
    # real 0, 4, 5, 7: radii 5, 3, 2, 3; balls [-5,5] [1,7] [3,7] [4,10]
    # fake 7, 8, 9, 10, 12: radii 2, 1, 1, 2, 4; balls [5,9] [7,9] [8,10] [8,12] [8,16]
    # precision: fakes in some real ball: 7, 8, 9, 10 (edge of [4,10]), not 12 -> 4/5
    # density: real balls holding each fake 3 (7: [1,7] [3,7] [4,10]), 1, 1, 1, 0
    #   -> 6 / (5 fakes * k) = 0.6
    # recall: reals in some fake ball: 5 (edge of [5,9]), 7; not 0, 4 -> 2/4
    # coverage: reals whose nearest fake lies in their own ball: 4 (7 at 3 = radius),
    #   5 (7 at 2 = radius), 7 (at 0); not 0 (7 at 7 > 5) -> 3/4
    real = np.array([0.0, 4, 5, 7])[:, None]
    fake = np.array([7.0, 8, 9, 10, 12])[:, None]
    out = prdc(real, fake, k=2)
    assert out == pytest.approx(
        {"precision": 0.8, "recall": 0.5, "density": 0.6, "coverage": 0.75}, abs=1e-12
    )


def test_energy_distance_of_point_sets_on_a_line():
    # E|X-Y| = (4+6+3+5+2+4)/6 = 4; E|X-X'| = 2(1+2+1)/(3*2) = 4/3; E|Y-Y'| = 2*2/(2*1) = 2
    x, y = np.array([[0.0], [1], [2]]), np.array([[4.0], [6]])
    assert energy_distance(x, y)["energy"] == pytest.approx(2 * 4 - 4 / 3 - 2, abs=1e-12)


def test_energy_distance_of_two_point_masses_is_twice_their_distance():
    x, y = np.zeros((3, 2)), np.tile([3.0, 4.0], (2, 1))
    assert energy_distance(x, y)["energy"] == pytest.approx(10.0, abs=1e-12)


@pytest.mark.parametrize(
    ("v", "expected"),
    # E|<v, theta>| for theta uniform on the unit sphere: |v| 2/pi in 2-D, |v|/2 in 3-D
    [([3.0, 4.0], 5 * 2 / pi), ([1.0, 2.0, 2.0], 3 / 2)],
)
def test_sliced_wasserstein_of_a_shift_is_the_mean_absolute_projection(v, expected):
    x = np.random.default_rng(0).standard_normal((5, len(v)))
    out = sliced_wasserstein(x, x + v, rng=1, n_projections=20_000)
    # Monte Carlo error of the projection mean: about |v| 0.3 / sqrt(20,000) = 0.01 at most
    assert out["swd"] == pytest.approx(expected, abs=0.05)


def test_sliced_wasserstein_of_unequal_sizes_in_1d_is_the_shift_of_means():
    # Every y lies above every x, so W1 is the difference of the means: 10.5 - 1.5.
    x, y = np.array([[0.0], [1], [2], [3]]), np.array([[10.0], [11]])
    assert sliced_wasserstein(x, y, rng=0, n_projections=8)["swd"] == pytest.approx(9.0)


def test_mode_statistics_on_a_hand_built_sample():
    data = grid25(n=100)  # std 0.05; with n_std = 2 a sample is good within 0.1
    ring = [[0.1, 0.0], [-0.1, 0.0], [0.0, 0.1], [0.0, -0.1]]  # exactly 0.1 from (0, 0)
    samples = np.concatenate(
        [
            np.tile([4.0, 4.0], (30, 1)),
            np.tile([0.0, 0.0], (16, 1)),
            ring,
            np.tile([-2.0, 2.0], (10, 1)),
            np.tile([1.0, 1.0], (16, 1)),  # halfway between modes
            np.tile([0.0, 0.15], (4, 1)),  # nearest mode (0, 0), but 3 std away
        ]
    )
    out = mode_statistics(samples, samples, data, n_std=2.0, min_count=20)
    # 60 good of 80; modes hold 30, 20, 10 (the last under min_count): q = 1/2, 1/3, 1/6
    q = np.array([1 / 2, 1 / 3, 1 / 6])
    assert out["modes"] == 2.0
    assert out["high_quality"] == 60 / 80
    assert out["reverse_kl"] == pytest.approx(log(25) + float(np.sum(q * np.log(q))), abs=1e-12)


def test_mode_statistics_with_no_good_sample_has_infinite_reverse_kl():
    out = mode_statistics(np.ones((5, 2)), np.ones((5, 2)), grid25(n=100))
    assert out == {"modes": 0.0, "high_quality": 0.0, "reverse_kl": float("inf")}


def test_mmd_bandwidth_is_the_median_pairwise_distance_of_the_pool():
    # 0, 0.1, ..., 0.9: 10 - d pairs lie d/10 apart, 45 in all; the 23rd smallest is 0.3
    x, y = np.arange(5.0)[:, None] / 10, np.arange(5.0, 10)[:, None] / 10
    for seed in range(4):  # all points, whatever the rng
        out = mmd(x, y, rng=seed, n_permutations=5)
        assert out["bandwidth"] == pytest.approx(0.3, abs=1e-12)


def test_mmd_of_identical_points_ties_every_permutation_so_p_is_one():
    # All kernel entries are 1, so every split has MMD² exactly 0: all B count, p = 1.
    out = mmd(np.ones((4, 2)), np.ones((3, 2)), rng=0, n_permutations=7)
    assert out["mmd2"] == 0.0 and out["p_value"] == 1.0


def test_mmd_p_value_floor_is_one_over_one_plus_the_default_200_permutations():
    # Far apart, no relabelling of 20 + 20 points reaches the observed MMD² (a tie needs
    # the observed split or its mirror: 2 in C(40, 20) = 1.4e11).
    x, y = np.zeros((20, 2)), np.full((20, 2), 100.0)
    assert mmd(x, y, rng=0)["p_value"] == 1 / 201


def test_c2st_breaks_tied_votes_with_independent_fair_coins():
    # Four identical points, two a sample, k = 2: both held-out points vote over both fit
    # points. The fit half holds one of each in 4 of the 6 splits; the vote is a tie and
    # each held-out guess is a coin, so accuracy is 1 w.p. 4/6 * 1/4, 1/2 w.p. 4/6 * 1/2;
    # otherwise both are called for the fit's class and are wrong.
    acc = np.array(
        [c2st(np.zeros((2, 1)), np.zeros((2, 1)), rng=s, k=2)["c2st_accuracy"] for s in range(600)]
    )
    for value, p in [(1.0, 1 / 6), (0.5, 1 / 3), (0.0, 1 / 2)]:
        assert abs((acc == value).sum() - 600 * p) < 4 * np.sqrt(600 * p * (1 - p))


@pytest.mark.parametrize("metric", [mmd, sliced_wasserstein, c2st])
def test_random_metrics_follow_their_rng(metric):
    x, y = np.random.default_rng(0).standard_normal((2, 60, 2))
    runs = [[metric(x, y + 0.3, rng=s) for s in range(5)] for _ in range(2)]
    assert runs[0] == runs[1]  # the same seed gives the same answer
    assert len({tuple(r.values()) for r in runs[0]}) > 1  # and the seed is used
    gen = metric(x, y + 0.3, rng=np.random.default_rng(3))
    assert gen == runs[0][3]  # a Generator is used as given


@pytest.mark.parametrize(
    ("metric", "default"),
    [(prdc, {"k": 5}), (c2st, {"k": 10}), (sliced_wasserstein, {"n_projections": 256})],
)
def test_defaults_are_the_documented_ones(metric, default):
    x, y = np.random.default_rng(1).standard_normal((2, 80, 3))
    for seed in range(5):
        assert metric(x, y + 0.5, rng=seed) == metric(x, y + 0.5, rng=seed, **default)


def test_integer_samples_are_measured_in_their_own_units():
    # The energy and k-NN counts of the float examples above, given as integer counts.
    x, y = np.array([[0], [1], [2]]), np.array([[4], [6]])
    assert energy_distance(x, y)["energy"] == pytest.approx(8 - 4 / 3 - 2, abs=1e-12)
    assert mmd(x, y, bandwidth=1.0, n_permutations=3)["mmd2"] == pytest.approx(
        mmd(x * 1.0, y * 1.0, bandwidth=1.0, n_permutations=3)["mmd2"], abs=1e-12
    )
    out = prdc(np.array([[0], [4], [5], [7]]), np.array([[7], [8], [9], [10], [12]]), k=2)
    assert out == pytest.approx(
        {"precision": 0.8, "recall": 0.5, "density": 0.6, "coverage": 0.75}, abs=1e-12
    )
