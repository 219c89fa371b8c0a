"""The plugin's validation metrics accept held-out Lorenz points and reject impostors of the
attractor's scale: a flat sheet, a smooth curved sheet and a Gaussian blob."""

import numpy as np
import pytest
from gansci_lorenz import datasets
from gansci_lorenz.plugin import gansci_metrics

N = 10_000

# the recipes' targets (test_lorenz_targets.py): what a generated sample must meet
TARGETS = {
    "d2_gap": lambda v: v <= 0.1,
    "off_attractor": lambda v: v <= 0.02,
    "coverage": lambda v: v >= 0.95,
}


@pytest.fixture(scope="module")
def lorenz(tmp_path_factory):
    """The lorenz63 dataset (3 N points) and N points of an independent one, in the Lorenz
    system's own units (as samples and held-out points reach the metrics)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GANSCI_CACHE", str(tmp_path_factory.mktemp("cache")))
    data = datasets.lorenz63(n_samples=3 * N, seed=0)
    other = datasets.lorenz63(n_samples=3 * N, seed=1)
    mp.undo()
    return data, other.decode(other.test)[:N]


def validate(samples: np.ndarray, data) -> dict[str, float]:
    """The plugin's ``d2`` and ``attractor`` metrics against the held-out points, as
    ``gansci validate`` computes them."""
    real = data.decode(data.test)
    metrics = {m.name: m for m in gansci_metrics()}
    rng = np.random.default_rng(0)
    values = dict(metrics["d2"].fn(samples, real, data, rng))
    values.update(metrics["attractor"].fn(samples, real, data, rng))
    shown = ("d2", "d2_gap", "d2_se", "off_attractor", "coverage")
    print(", ".join(f"{name} {values[name]:.4g}" for name in shown))  # pytest -rP shows it
    return values


def missed(values: dict[str, float]) -> set[str]:
    return {name for name, met in TARGETS.items() if not met(values[name])}


def impostor(kind: str, real: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """N points with the real points' mean and scale on something that is not the
    attractor."""
    mean, cov = real.mean(0), np.cov(real.T)
    if kind == "blob":  # isotropic, with the real points' total variance
        return mean + np.sqrt(np.trace(cov) / 3) * rng.standard_normal((N, 3))
    if kind == "plane":  # Gaussian in the real points' principal plane, their covariance there
        values, vectors = np.linalg.eigh(cov)
        top = vectors[:, -2:] * np.sqrt(values[-2:])
        return mean + rng.standard_normal((N, 2)) @ top.T
    # "surface": over the real points' (x, y), z a cubic in x and y fitted to their z
    xy = real[rng.choice(len(real), N, replace=False), :2]
    fit_xy = real[:, :2]
    terms = [(i, j) for i in range(4) for j in range(4 - i)]

    def monomials(a: np.ndarray) -> np.ndarray:
        return np.stack([a[:, 0] ** i * a[:, 1] ** j for i, j in terms], 1)

    coef = np.linalg.lstsq(monomials(fit_xy), real[:, 2], rcond=None)[0]
    return np.c_[xy, monomials(xy) @ coef]


def test_held_out_attractor_points_pass(lorenz):
    data, independent = lorenz
    for sample in (data.decode(data.train)[:N], independent):
        values = validate(sample, data)
        assert missed(values) == set(), values
        assert values["d2_gap"] < 0.03 and values["off_attractor"] < 0.015, values


@pytest.mark.parametrize(
    ("kind", "expected_misses"),
    [
        # D2 alone passes the flat sheet (its D2 is 1.99, the held-out points' 2.07): the
        # second check (off-attractor mass and coverage) is what rejects it
        ("plane", {"off_attractor", "coverage"}),
        ("surface", {"d2_gap", "off_attractor", "coverage"}),
        ("blob", {"d2_gap", "off_attractor", "coverage"}),
    ],
)
def test_impostors_of_the_attractors_scale_are_rejected(lorenz, kind, expected_misses):
    data, _ = lorenz
    train = data.decode(data.train)  # the real points the impostor imitates
    values = validate(impostor(kind, train, np.random.default_rng(0)), data)
    assert missed(values) == expected_misses, values
    # by far: at least 10 times the off-attractor target, coverage at most 70 %
    assert values["off_attractor"] > 0.2 and values["coverage"] < 0.7, values
