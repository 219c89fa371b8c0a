"""Datasets: determinism, the cache, user files and delay embedding, conformance."""

import numpy as np
import pytest
import torch
from gansci_lorenz import datasets, embedding, systems

from gansci.plugin import ConfigError, DataError, check_plugin

SMALL = {
    "lorenz63": {"n_samples": 3000},
    "rossler": {"n_samples": 3000},
    "henon": {"n_samples": 3000},
}


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCI_CACHE", str(tmp_path / "cache"))


def test_conformance(tmp_path):
    np.save(tmp_path / "states.npy", systems.henon_points(500))
    params = dict(SMALL, attractor_file={"path": str(tmp_path / "states.npy")})
    checked = check_plugin("lorenz", tmp_path, dataset_params=params)
    assert set(checked["datasets"]) == {"lorenz63", "rossler", "henon", "attractor_file"}
    assert "d2 on lorenz63" in checked["metrics"]


def test_generation_is_deterministic_and_cached(tmp_path):
    a = datasets.lorenz63(n_samples=2000, seed=5)
    files = sorted((tmp_path / "cache" / "lorenz").glob("*.npy"))
    assert len(files) == 1
    b = datasets.lorenz63(n_samples=2000, seed=5)
    assert torch.equal(a.train, b.train) and torch.equal(a.test, b.test)
    c = datasets.lorenz63(n_samples=2000, seed=6)
    d = datasets.lorenz63(n_samples=2000, seed=5, rho=30.0)
    assert not torch.equal(a.train, c.train) and not torch.equal(a.train, d.train)
    assert len(list((tmp_path / "cache" / "lorenz").glob("*.npy"))) == 3
    # The cached file is what is read back: tampering with it shows through.
    arr = np.load(files[0])
    np.save(files[0], arr * 2.0)
    e = datasets.lorenz63(n_samples=2000, seed=5)
    np.testing.assert_allclose(e.decode(e.train), 2.0 * a.decode(a.train), rtol=1e-6)


def test_points_lie_on_the_attractor():
    data = datasets.lorenz63(n_samples=3000, standardize=False)
    x = data.train.numpy().astype(float)
    assert data.domains == ("attractor", "vector")
    assert 20 < x[:, 2].mean() < 28 and np.abs(x[:, 0]).max() < 25  # the butterfly's box
    standardised = datasets.lorenz63(n_samples=3000)
    assert np.abs(standardised.train.mean(0).numpy()).max() < 1e-5  # what the model sees
    np.testing.assert_allclose(standardised.decode(standardised.train), x, atol=1e-5)
    h = datasets.henon(n_samples=3000, standardize=False).train.numpy()
    np.testing.assert_allclose(np.sort(h[:, 0])[[0, -1]], [-1.28, 1.27], atol=0.02)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("1,2,3\nnan,2,3\n" + "1,2,4\n" * 30, "NaN"),
        ("1,2,3\n", "at least"),
        ("5,5\n" * 40, "constant"),
    ],
)
def test_bad_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=rf"bad\.csv.*{message}|{message}.*bad\.csv"):
        datasets.attractor_file(path=str(path))


def test_wrong_shape_and_missing_path(tmp_path):
    path = tmp_path / "cube.npy"
    np.save(path, np.zeros((4, 4, 4)))
    with pytest.raises(DataError, match="cube.npy.*2-D"):
        datasets.attractor_file(path=str(path))
    with pytest.raises(ConfigError, match="data.path"):
        datasets.attractor_file()


def test_constant_column_and_short_series(tmp_path):
    x = np.c_[np.arange(50.0), np.ones(50)]
    np.save(tmp_path / "c.npy", x)
    with pytest.raises(DataError, match="c.npy: column 1 is constant"):
        datasets.attractor_file(path=str(tmp_path / "c.npy"))
    np.save(tmp_path / "s.npy", np.sin(np.arange(30.0)))
    with pytest.raises(DataError, match="s.npy.*too short"):
        datasets.attractor_file(path=str(tmp_path / "s.npy"), embedding_dim=3, lag=8)


def test_scalar_series_is_delay_embedded(tmp_path):
    f = systems.lorenz63_field()
    x = systems.flow_points(f, np.array([1.0, 1.0, 27.0]), 20_000, 1, 0.005, 0.02, 20.0, 0)
    np.savetxt(tmp_path / "x.csv", x[:, 0])
    data = datasets.attractor_file(path=str(tmp_path / "x.csv"))
    lag, dim = data.info["lag"], data.info["embedding_dim"]
    assert 4 <= lag <= 12  # first minimum of the mutual information at 0.1-0.2 time units
    assert dim == 3
    assert data.train.shape[1] == 3
    assert embedding.false_neighbours(x[:, 0], 1, lag) > 0.3  # one dimension folds the orbit
