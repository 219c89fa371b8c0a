"""Known answers of the translation metrics and baselines, and the benchmarks' data."""

import numpy as np
import pytest
from gansci_cyclegan import metrics
from gansci_cyclegan.digits import digits
from gansci_cyclegan.fields import fields, random_fields, transform


def test_errors_of_a_constant_offset():
    x = np.zeros((4, 8, 8, 1))
    y = x + 0.1
    assert metrics.mae(x, y) == pytest.approx(0.1)
    # PSNR on range 2: 10 log10(4 / 0.01) = 26.02 dB
    assert metrics.psnr(x, y, 2.0) == pytest.approx(26.0206, abs=1e-3)


def test_ssim_is_one_for_identical_fields_and_falls_with_noise():
    rng = np.random.default_rng(0)
    x = random_fields(8, 32, rng)[..., None]
    assert metrics.ssim(x, x, 2.0) == pytest.approx(1.0)
    low = metrics.ssim(x, x + 0.05 * rng.standard_normal(x.shape), 2.0)
    high = metrics.ssim(x, x + 0.3 * rng.standard_normal(x.shape), 2.0)
    assert 1.0 > low > high > 0
    # constant fields: SSIM is the luminance term (2 m1 m2 + c1) / (m1² + m2² + c1)
    a, b = np.full((1, 16, 16, 1), 0.5), np.full((1, 16, 16, 1), -0.5)
    c1 = (0.01 * 2) ** 2
    assert metrics.ssim(a, b, 2.0) == pytest.approx((-0.5 + c1) / (0.5 + c1))


def test_pixel_w1_of_a_shift_and_spectrum_distance_of_a_scale():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 16, 16, 1))
    assert metrics.pixel_w1(x, x + 0.25, rng) == pytest.approx(0.25)
    assert metrics.spectrum_distance(x, x) == 0
    # a field scaled by 10 has 100 times the power: log10 distance 2 at every frequency
    assert metrics.spectrum_distance(x, 10 * x) == pytest.approx(2.0)


def test_quantile_map_recovers_a_monotone_map_from_unpaired_sets():
    rng = np.random.default_rng(2)
    source = rng.normal(size=(4000, 2, 2, 1))
    target = np.exp(rng.normal(size=(4000, 2, 2, 1)))  # exp of an independent draw
    x = rng.normal(size=(200, 2, 2, 1)).clip(-2, 2)
    assert np.abs(metrics.quantile_map(x, source, target) - np.exp(x)).mean() < 0.05


def test_fields_baselines_reproduce_the_issue_figures_roughly():
    data = fields()
    rows = {}
    for view in "BA":
        source = "A" if view == "B" else "B"
        real = data.decode(data.split("test", view=view), view=view)
        inputs = data.decode(data.split("test", view=source), view=source)
        rows[view] = metrics.pairs(inputs, real, data, None, view=view)
    # issue 16: identity 0.312, quantile mapping 0.122 (A->B) and 0.167 (B->A)
    assert rows["B"]["mae_identity"] == pytest.approx(0.312, abs=0.01)
    assert rows["B"]["mae_quantile_map"] == pytest.approx(0.122, abs=0.01)
    assert rows["A"]["mae_quantile_map"] == pytest.approx(0.167, abs=0.01)


def test_fields_paired_training_views_are_true_pairs_and_the_test_set_is_shared():
    data = fields(n_train=8, n_test=4, paired=True)
    a = data.decode(data.split("train", view="A"), view="A")[..., 0]
    b = data.decode(data.split("train", view="B"), view="B")[..., 0]
    residual = b - transform(a, np.random.default_rng(0), noise=0.0)
    assert abs(residual.mean()) < 0.002 and residual.std() == pytest.approx(0.02, abs=0.001)
    unpaired = fields(n_train=8, n_test=4)
    for view in "AB":
        held_out = [d.decode(d.split("test", view=view), view=view) for d in (data, unpaired)]
        assert np.allclose(*held_out)


def test_digits_labels_and_the_real_ceiling():
    data = digits("rot90")
    real = data.decode(data.split("test", view="B"), view="B")
    source = data.decode(data.split("test", view="A"), view="A")
    assert np.allclose(np.rot90(source, axes=(1, 2)), real)
    assert metrics.label_accuracy(real, real, data, None, view="B")["accuracy"] > 0.93
    assert metrics.label_accuracy(source, real, data, None, view="B")["accuracy"] < 0.3
