"""Datasets of attractor points: Lorenz-63, Rössler, Hénon, and a user's own series."""

from __future__ import annotations

import numpy as np
import torch

from gansci.plugin import ConfigError, DataError, Dataset, read_array, split_train_test
from gansci_lorenz import embedding, systems

DOMAINS = ("attractor", "vector")
TRANSITIONS = "transitions"  # the domain of datasets of pairs (x_t, x_t+1)


class AttractorDataset(Dataset):
    """Points on an attractor in the system's own units; the model sees them standardised
    (``standardize``, by the training points' mean and std).

    With ``orbits=k`` the points are k contiguous orbits of equal length and the samples
    are transitions: pairs (x_t, x_t+1) of consecutive points, shape (n, 2, d), with whole
    orbits held out. ``decode`` then gives the states x_t, so every metric and figure
    sees points either way.
    """

    domains = DOMAINS

    def __init__(
        self,
        points: np.ndarray,
        test_fraction: float,
        seed: int,
        name: str,
        standardize: bool = True,
        info: dict | None = None,
        orbits: int = 0,
    ):
        if not 0 < test_fraction < 1:
            raise ConfigError(f"data.test_fraction must lie in (0, 1), got {test_fraction}")
        self.name = name
        self.info = dict(info or {})
        self.transitions = orbits > 0
        x = torch.tensor(points, dtype=torch.float64 if standardize else torch.float32)
        if self.transitions:
            train, test = _transitions(x, orbits, test_fraction, seed)
        else:
            train, test = split_train_test(x, test_fraction, seed)
        domains = DOMAINS + ((TRANSITIONS,) if self.transitions else ())
        super().__init__(train, test, domains, standardize=standardize)

    def decode(self, batch, generator=None, view=None, *, standardized=False) -> np.ndarray:
        states = batch[:, 0] if self.transitions else batch
        return super().decode(states, standardized=standardized)


def _transitions(
    x: torch.Tensor, orbits: int, test_fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Consecutive pairs within each of ``orbits`` contiguous orbits; a seeded choice of
    whole orbits is held out."""
    per = len(x) // orbits
    if per < 2 or orbits < 2:
        raise ConfigError(
            f"transitions need at least 2 orbits of 2 points; got {orbits} orbits of {per}"
        )
    paths = x[: orbits * per].view(orbits, per, -1)
    pairs = torch.stack([paths[:, :-1], paths[:, 1:]], 2)  # (orbits, per - 1, 2, d)
    perm = torch.randperm(orbits, generator=torch.Generator().manual_seed(seed))
    n_test = min(orbits - 1, max(1, round(orbits * test_fraction)))
    return pairs[perm[n_test:]].flatten(0, 1), pairs[perm[:n_test]].flatten(0, 1)


def _check_size(n_samples: int) -> None:
    if n_samples < 10:
        raise ConfigError(f"data.n_samples must be at least 10, got {n_samples}")


def lorenz63(
    n_samples: int = 150_000,
    sigma: float = 10.0,
    rho: float = 28.0,
    beta: float = 8 / 3,
    test_fraction: float = 1 / 3,
    h: float = 0.005,
    sample_every: float = 0.1,
    burn_in: float = 20.0,
    n_trajectories: int = 500,
    standardize: bool = True,
    transitions: bool = False,
    seed: int = 0,
) -> AttractorDataset:
    """Lorenz-63 points: RK4 trajectories sampled every ``sample_every`` after ``burn_in``;
    with ``transitions`` the samples are pairs of consecutive sampled points."""
    _check_size(n_samples)
    params = dict(
        n_samples=n_samples,
        sigma=sigma,
        rho=rho,
        beta=beta,
        h=h,
        sample_every=sample_every,
        burn_in=burn_in,
        n_trajectories=n_trajectories,
        seed=seed,
    )
    field = systems.lorenz63_field(sigma, rho, beta)
    start = np.array([1.0, 1.0, rho - 1.0])
    points = systems.cached(
        "lorenz63",
        params,
        lambda: systems.flow_points(
            field, start, n_samples, n_trajectories, h, sample_every, burn_in, seed
        ),
    )
    return AttractorDataset(
        points,
        test_fraction,
        seed,
        "lorenz63",
        standardize,
        orbits=n_trajectories if transitions else 0,
    )


def rossler(
    n_samples: int = 150_000,
    a: float = 0.2,
    b: float = 0.2,
    c: float = 5.7,
    test_fraction: float = 1 / 3,
    h: float = 0.01,
    sample_every: float = 0.5,
    burn_in: float = 100.0,
    n_trajectories: int = 500,
    standardize: bool = True,
    transitions: bool = False,
    seed: int = 0,
) -> AttractorDataset:
    """Rössler points: RK4 trajectories sampled every ``sample_every`` after ``burn_in``;
    with ``transitions`` the samples are pairs of consecutive sampled points."""
    _check_size(n_samples)
    params = dict(
        n_samples=n_samples,
        a=a,
        b=b,
        c=c,
        h=h,
        sample_every=sample_every,
        burn_in=burn_in,
        n_trajectories=n_trajectories,
        seed=seed,
    )
    field = systems.rossler_field(a, b, c)
    start = np.array([1.0, -5.0, 0.5])
    points = systems.cached(
        "rossler",
        params,
        lambda: systems.flow_points(
            field, start, n_samples, n_trajectories, h, sample_every, burn_in, seed, 0.3
        ),
    )
    return AttractorDataset(
        points,
        test_fraction,
        seed,
        "rossler",
        standardize,
        orbits=n_trajectories if transitions else 0,
    )


def henon(
    n_samples: int = 150_000,
    a: float = 1.4,
    b: float = 0.3,
    test_fraction: float = 1 / 3,
    burn_in: int = 1000,
    n_trajectories: int = 100,
    standardize: bool = True,
    transitions: bool = False,
    seed: int = 0,
) -> AttractorDataset:
    """Hénon map iterates after ``burn_in`` iterations, from ``n_trajectories`` starts;
    with ``transitions`` the samples are pairs of consecutive iterates."""
    _check_size(n_samples)
    params = dict(
        n_samples=n_samples, a=a, b=b, burn_in=burn_in, n_trajectories=n_trajectories, seed=seed
    )
    points = systems.cached(
        "henon",
        params,
        lambda: systems.henon_points(n_samples, a, b, n_trajectories, burn_in, seed),
    )
    return AttractorDataset(
        points,
        test_fraction,
        seed,
        "henon",
        standardize,
        orbits=n_trajectories if transitions else 0,
    )


def attractor_file(
    path: str = "",
    embedding_dim: int = 0,
    lag: int = 0,
    max_dim: int = 10,
    test_fraction: float = 0.2,
    standardize: bool = True,
    seed: int = 0,
) -> AttractorDataset:
    """A user's states (.npy/.csv/.txt, one state a row) or a scalar series (one column),
    which is delay-embedded: ``lag`` by mutual information and ``embedding_dim`` by false
    nearest neighbours when they are 0. ``embedding_dim`` with several columns is an error."""
    if not path:
        raise ConfigError(
            "dataset 'attractor_file' reads a file: give it with --set data.path=FILE"
        )
    a = read_array(path, min_rows=20)
    info: dict = {"path": path}
    if a.shape[1] == 1:
        series = a[:, 0]
        lag = lag or embedding.choose_lag(series)
        embedding_dim = embedding_dim or embedding.choose_dim(series, lag, max_dim)
        if len(series) - (embedding_dim - 1) * lag < 20:
            raise DataError(
                f"{path}: a series of {len(series)} values is too short to delay-embed in "
                f"{embedding_dim} dimensions with lag {lag}; at least "
                f"{20 + (embedding_dim - 1) * lag} values are needed"
            )
        a = embedding.delay_embed(series, embedding_dim, lag)
        info.update(embedding_dim=embedding_dim, lag=lag)
    elif embedding_dim or lag:
        raise ConfigError(
            f"{path}: has {a.shape[1]} columns (states); embedding_dim and lag apply only to "
            "a scalar series of one column"
        )
    if np.any(a.std(0) == 0):
        col = int(np.flatnonzero(a.std(0) == 0)[0])
        raise DataError(f"{path}: column {col} is constant; drop it, it carries no dynamics")
    if len(np.unique(a, axis=0)) < 10:
        raise DataError(f"{path}: fewer than 10 distinct states; an attractor needs more")
    return AttractorDataset(a, test_fraction, seed, "file", standardize, info)
