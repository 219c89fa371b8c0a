"""Data in its own units: standardisation by the dataset, stored in the run folder."""

import json
import logging

import numpy as np
import pytest
import torch

from gansci import Experiment
from gansci.builtin.vectors import vectors
from gansci.cli import main
from gansci.data import Dataset
from gansci.errors import DataError


def rows_file(tmp_path, a, name="rows.npy"):
    path = tmp_path / name
    np.save(path, a)
    return str(path)


def test_values_around_1e4_round_trip_exactly(tmp_path):
    rng = np.random.default_rng(0)
    x = (1e4 + rng.standard_normal((500, 3)) * [1.0, 10.0, 100.0]).astype(np.float32)
    data = vectors(rows_file(tmp_path, x))
    for split in (data.train, data.test):
        assert abs(float(split.mean())) < 0.2 and abs(float(split.std()) - 1) < 0.2
    back = data.decode(data.encode(x))
    assert back.dtype == np.float64
    assert np.array_equal(back.astype(np.float32), x)  # to the last bit of the data
    rows = np.concatenate([data.decode(data.train), data.decode(data.test)]).astype(np.float32)
    assert np.array_equal(np.sort(rows, 0), np.sort(x, 0))  # decode gives the file's rows


def test_data_near_the_largest_allowed_magnitude_standardises_instead_of_vanishing(tmp_path):
    # up to 1e150, where metrics' squared distances still fit float64 (beyond: an error)
    x = np.random.default_rng(1).standard_normal((300, 2)) * 1e149
    data = vectors(rows_file(tmp_path, x))
    assert torch.isfinite(data.train).all()
    assert 0.8 < float(data.train.std()) < 1.2
    np.testing.assert_allclose(data.decode(data.encode(x)), x, rtol=0, atol=1e-6 * 1e149)


def test_without_standardisation_the_model_sees_the_data_as_it_is(tmp_path):
    x = np.random.default_rng(2).standard_normal((100, 2)) + 5.0
    data = vectors(rows_file(tmp_path, x), standardize=False)
    assert data.normalization() == []
    assert float(data.train.mean()) > 4


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_an_error_naming_the_leaf_and_split(value):
    train = torch.ones(10, 2, dtype=torch.float64).cumsum(0)
    test = train.clone()
    test[3, 1] = value
    with pytest.raises(
        DataError, match=r"data leaf <batch> \(test split\): 1 NaN or infinite value"
    ):
        Dataset(train, test, standardize=True)


def test_all_constant_features_are_an_error_and_one_constant_feature_is_centred(caplog):
    flat = torch.full((10, 2), 3.0, dtype=torch.float64)
    with pytest.raises(DataError, match="every feature is constant"):
        Dataset(flat, flat.clone(), standardize=True)
    x = torch.cat([torch.arange(10.0, dtype=torch.float64)[:, None], flat[:, :1]], 1)
    with caplog.at_level(logging.WARNING):
        data = Dataset(x, x.clone(), standardize=True)
    assert "feature(s) [1] are constant" in caplog.text
    assert data.normalization()[0]["std"][1] == 1.0
    assert torch.equal(data.train[:, 1], torch.zeros(10))
    decoded = data.decode(data.train)
    assert np.array_equal(decoded[:, 1], x[:, 1].numpy())
    np.testing.assert_allclose(decoded[:, 0], x[:, 0].numpy(), atol=1e-6)


@pytest.fixture
def vector_run(tmp_path, small_set):
    x = np.random.default_rng(3).standard_normal((400, 2)) * [3.0, 0.5] + [100.0, -7.0]
    path = rows_file(tmp_path, x)
    out = tmp_path / "run"
    argv = ["run", "grid25", "--out", str(out), "--no-validate", *small_set]
    argv += ["--set", "data.name=vectors", "--set", f"data.path={path}"]
    argv += ["--set", "train.lr_schedule=constant"]
    assert main(argv) == 0
    return out, path, x


def test_samples_are_in_the_datas_units_and_standardized_on_request(vector_run, tmp_path):
    out, _, x = vector_run
    stored = json.loads((out / "normalization.json").read_text())["leaves"]
    (leaf,) = stored
    assert leaf["leaf"] == "<batch>" and leaf["view"] is None
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    assert main(["sample", str(out), "-n", "200", "-o", str(a)]) == 0
    assert main(["sample", str(out), "-n", "200", "-o", str(b), "--standardized"]) == 0
    natural, model = np.load(a), np.load(b)
    assert model.dtype == np.float32 and abs(model.mean()) < 2
    np.testing.assert_allclose(natural, model * leaf["std"] + leaf["mean"], rtol=1e-6)
    assert abs(natural[:, 0].mean() - 100) < 3 and abs(natural[:, 1].mean() + 7) < 1


def test_a_changed_data_file_warns_on_load_and_keeps_the_stored_units(vector_run, caplog):
    out, path, x = vector_run
    before = Experiment.load(out).sample(50, seed=1)
    np.save(path, x * 2.0)
    with caplog.at_level(logging.WARNING):
        exp = Experiment.load(out)
        after = exp.sample(50, seed=1)
    assert "the data differs from what this run was trained on (leaf <batch>: mean" in caplog.text
    assert np.array_equal(before, after)  # decoded by the stored normalisation
    # the real data is the file as it is now, put into the model's (stored) units
    data = exp.data
    rows = np.concatenate([data.decode(data.train), data.decode(data.test)])
    np.testing.assert_allclose(np.sort(rows, 0), np.sort(2 * x, 0), rtol=1e-6)
    with pytest.raises(DataError, match="resuming would train on other data"):
        Experiment.load(out, **{"train.steps": 40}).resume(validate=False)


def test_range_standardisation_maps_each_features_training_range_to_minus_one_one():
    rng = np.random.default_rng(0)
    x = torch.as_tensor(np.stack([rng.uniform(0, 65535, 50), rng.uniform(-3, -1, 50)], 1))
    data = Dataset(x[:40], x[40:], standardize="range")
    model = data.split("train")
    assert torch.allclose(model.min(0).values, torch.tensor([-1.0, -1.0]))
    assert torch.allclose(model.max(0).values, torch.tensor([1.0, 1.0]))
    assert np.allclose(data.decode(model), x[:40].numpy(), rtol=1e-6)
    with pytest.raises(DataError, match="standardize must be True, False or 'range'"):
        Dataset(x[:40], x[40:], standardize="minmax")


def test_paired_views_are_drawn_at_the_same_rows():
    a = torch.arange(10.0)[:, None]
    data = Dataset({"A": a, "B": 2 * a}, {"A": a[:2], "B": a[:2]}, views=("A", "B"))
    x, y = data.sample(64, view=("A", "B"))
    assert torch.equal(y, 2 * x) and len(x.unique()) > 5
    short = Dataset({"A": a, "B": a[:5]}, {"A": a[:2], "B": a[:2]}, views=("A", "B"))
    with pytest.raises(DataError, match="views A, B differ in length: they are not paired"):
        short.sample(4, view=("A", "B"))
