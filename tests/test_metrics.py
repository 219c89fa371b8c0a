"""The domain-free metrics on distributions whose answer is known."""

import numpy as np
import pytest

from gansci.builtin.mixtures import grid25, mode_statistics, ring8
from gansci.metrics import c2st, energy_distance, mmd, prdc, sliced_wasserstein

rng = np.random.default_rng(0)
A = rng.standard_normal((400, 3))
B = rng.standard_normal((400, 3))
SHIFTED = rng.standard_normal((400, 3)) + [1.0, 0, 0]


def test_mmd_same_distribution_is_near_zero_with_calibrated_p():
    assert abs(mmd(A, B, rng=1)["mmd2"]) < 0.01
    identical = mmd(A, A, rng=1)
    assert identical["mmd2"] < 0.005 and identical["p_value"] > 0.5
    # under the null the permutation p-value is uniform: few small ones, mean near 1/2
    r = np.random.default_rng(7)
    p = np.array(
        [
            mmd(r.standard_normal((60, 2)), r.standard_normal((60, 2)), rng=i, n_permutations=100)[
                "p_value"
            ]
            for i in range(60)
        ]
    )
    assert (p < 0.05).mean() <= 0.15
    assert 0.35 < p.mean() < 0.65


def test_mmd_shifted_gaussians_is_positive_and_significant():
    out = mmd(A, SHIFTED, rng=1)
    assert out["mmd2"] > 0.05
    assert out["p_value"] < 0.01


def test_mmd_matches_a_direct_unbiased_estimate():
    x, y = A[:50], SHIFTED[:60]
    bw = 1.3
    k = lambda a, b: np.exp(-((a[:, None] - b[None]) ** 2).sum(-1) / (2 * bw**2))  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    direct = (
        (kxx.sum() - np.trace(kxx)) / (50 * 49)
        + (kyy.sum() - np.trace(kyy)) / (60 * 59)
        - 2 * kxy.mean()
    )
    assert mmd(x, y, bandwidth=bw, n_permutations=10)["mmd2"] == pytest.approx(direct, rel=1e-9)


def test_energy_distance_zero_for_same_and_positive_for_shift():
    assert abs(energy_distance(A, B)["energy"]) < 0.05
    assert energy_distance(A, SHIFTED)["energy"] > 0.3


def test_energy_distance_in_1d_matches_scipy():
    from scipy.stats import energy_distance as scipy_ed

    x, y = A[:, 0], SHIFTED[:, 0]
    n, m = len(x), len(y)
    sxx, syy = np.abs(x[:, None] - x).sum(), np.abs(y[:, None] - y).sum()
    # scipy: sqrt of the V-statistic form; ours uses U-statistics for the self terms
    v_form = (
        energy_distance(x[:, None], y[:, None])["energy"]
        + sxx / (n * (n - 1))
        + syy / (m * (m - 1))
        - sxx / n**2
        - syy / m**2
    )
    assert scipy_ed(x, y) ** 2 == pytest.approx(v_form, rel=1e-9)


def test_sliced_wasserstein_of_a_shift_in_1d_is_the_shift():
    x = rng.standard_normal((1000, 1))
    assert sliced_wasserstein(x, x + 0.7, rng=0)["swd"] == pytest.approx(0.7, rel=1e-9)
    assert sliced_wasserstein(A, B, rng=0)["swd"] < 0.15
    assert sliced_wasserstein(A, SHIFTED, rng=0)["swd"] > 0.3


def test_c2st_chance_for_same_and_high_for_shift():
    same = c2st(A, B, rng=0)
    assert 0.4 < same["c2st_accuracy"] < 0.6 and same["c2st_p_value"] > 0.01
    far = c2st(A, A + 5.0, rng=0)
    assert far["c2st_accuracy"] == 1.0 and far["c2st_p_value"] < 1e-10


def test_prdc_identical_and_disjoint():
    same = prdc(A, B)
    assert same["precision"] > 0.8 and same["recall"] > 0.8 and same["coverage"] > 0.8
    assert 0.7 < same["density"] < 1.3
    apart = prdc(A, A + 100.0)
    assert apart == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_mode_statistics_on_real_and_collapsed_samples():
    data = grid25(n=6000)
    real = data.test.numpy()[:2500] if len(data.test) >= 2500 else data.train.numpy()[:2500]
    ok = mode_statistics(real, None, data)
    assert ok["modes"] == 25 and ok["high_quality"] > 0.98 and ok["reverse_kl"] < 0.02
    collapsed = np.repeat(data.centers[:3], [800, 800, 900], axis=0)
    bad = mode_statistics(collapsed, None, data)
    assert bad["modes"] == 3 and bad["high_quality"] == 1.0
    assert bad["reverse_kl"] == pytest.approx(np.log(25 / 3), rel=0.01)
    off = mode_statistics(collapsed + 1.0, None, data)  # between modes: nothing counts
    assert off["modes"] == 0 and off["high_quality"] == 0.0


def test_mode_needs_min_count_high_quality_samples():
    data = ring8(n=1000)
    x = np.repeat(data.centers, 19, axis=0)
    assert mode_statistics(x, None, data)["modes"] == 0
    assert mode_statistics(x, None, data, min_count=19)["modes"] == 8


def test_pairwise_metrics_subsample_large_inputs():
    from gansci.builtin.plugin import MAX_PAIRWISE, gansci_metrics

    big = np.random.default_rng(0).standard_normal((MAX_PAIRWISE * 4, 2))
    specs = {m.name: m for m in gansci_metrics()}
    out = specs["energy"].fn(big, big[::-1] + 0.0, None, np.random.default_rng(0))
    assert abs(out["energy"]) < 0.01  # ran on a subset, without a 20,000^2 matrix
