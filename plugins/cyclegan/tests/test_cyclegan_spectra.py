"""The `spectra` benchmark: its pairs are what T says they are, its baselines are those of
benchmarks/RESULTS.md, and its recipe trains and draws its translations figure."""

import numpy as np
import pytest
from gansci_cyclegan import metrics
from gansci_cyclegan.spectra import NOISE, SIGMA, instrument, spectra, wiener_inverse
from PIL import Image
from scipy.ndimage import gaussian_filter1d

from gansci import Experiment


def views(data, split):
    return [data.decode(data.split(split, view=v), view=v)[..., 0] for v in "AB"]


def noise_of(a, b):
    """The std of what is left of b once a's blur and each row's best quadratic (the
    drift) are taken off: the noise, where b = T(a)."""
    residual = b - gaussian_filter1d(a, SIGMA, axis=1, mode="reflect")
    t = np.linspace(-1, 1, a.shape[1])
    basis = np.stack([np.ones_like(t), t, t**2], 1)
    drift = basis @ np.linalg.lstsq(basis, residual.T, rcond=None)[0]
    return float((residual - drift.T).std())


def test_held_out_pairs_are_t_of_a_and_training_draws_are_unpaired():
    data = spectra(n_train=64, n_test=32)
    a, b = views(data, "test")
    assert a.shape == (32, 256) and a.min() > 0  # Lorentzians are positive everywhere
    assert noise_of(a, b) == pytest.approx(NOISE, rel=0.05)
    train_a, train_b = views(data, "train")
    assert noise_of(train_a, train_b) > 10 * NOISE  # B drawn from other spectra
    paired = spectra(n_train=64, n_test=32, paired=True)
    assert noise_of(*views(paired, "train")) == pytest.approx(NOISE, rel=0.05)
    for x, y in zip(views(paired, "test"), views(data, "test"), strict=True):
        assert np.allclose(x, y, atol=1e-6)  # the held-out pairs do not depend on `paired`


def test_baselines_are_those_in_results():
    # benchmarks/RESULTS.md, `cyclegan_pairs.py --baselines spectra`
    data = spectra()
    (a, b), (train_a, train_b) = views(data, "test"), views(data, "train")
    assert metrics.mae(a, b) == pytest.approx(0.0445, abs=0.001)  # identity
    qm_ab = metrics.mae(metrics.quantile_map(a, train_a, train_b), b)
    qm_ba = metrics.mae(metrics.quantile_map(b, train_b, train_a), a)
    assert (qm_ab, qm_ba) == pytest.approx((0.0317, 0.0298), abs=0.001)
    # the best prediction of B has the mean drift and no noise; it halves quantile mapping
    assert metrics.mae(instrument(a, None), b) == pytest.approx(0.0167, abs=0.001)
    assert metrics.mae(wiener_inverse(b, train_a, train_b), a) == pytest.approx(0.0281, abs=0.001)


def test_recipe_trains_on_spectra_and_draws_its_translations(tmp_path):
    exp = Experiment.from_recipe(
        "cyclegan-spectra",
        device="cpu",
        out=tmp_path / "run",
        data={"n_train": 32, "n_test": 8},
        train={"steps": 2, "batch_size": 4, "progress": False},
        validate={"n_samples": 8},
    )
    exp.run()
    rows = {(r.metric, r.key): r.value for r in exp.validate(write_report=False)}
    assert np.isfinite(rows[("A2B.pairs", "mae")]) and np.isfinite(rows[("B2A.pairs", "mae")])
    for direction in ("A2B", "B2A"):
        with Image.open(tmp_path / "run" / "figures" / f"translations-{direction}.png") as im:
            assert im.size[0] > 400 and im.size[1] > 400
