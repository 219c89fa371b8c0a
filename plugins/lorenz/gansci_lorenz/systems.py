"""Chaotic systems (Lorenz-63, Rössler, Hénon) and their trajectories, cached on disk.

Flows are integrated with a classical fixed-step RK4 vectorised over many initial
conditions at once; ``benchmarks/lorenz_integrators.py`` measures it against
``scipy.integrate.solve_ivp`` at equal accuracy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gansci.plugin import cache_dir

#: Bump when the way trajectories are made changes, so old cache files are not reused.
CACHE_VERSION = 1

Field = Callable[[np.ndarray], np.ndarray]


def lorenz63_field(sigma: float = 10.0, rho: float = 28.0, beta: float = 8 / 3) -> Field:
    """The Lorenz-63 vector field on states of shape (3, m) (columns are trajectories)."""

    def f(s: np.ndarray) -> np.ndarray:
        x, y, z = s
        return np.stack([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])

    return f


def rossler_field(a: float = 0.2, b: float = 0.2, c: float = 5.7) -> Field:
    """The Rössler vector field on states of shape (3, m)."""

    def f(s: np.ndarray) -> np.ndarray:
        x, y, z = s
        return np.stack([-y - z, x + a * y, b + z * (x - c)])

    return f


def rk4(f: Field, state: np.ndarray, h: float, n_steps: int) -> np.ndarray:
    """``n_steps`` classical Runge–Kutta steps of size ``h`` from ``state`` (d, m)."""
    for _ in range(n_steps):
        k1 = f(state)
        k2 = f(state + 0.5 * h * k1)
        k3 = f(state + 0.5 * h * k2)
        k4 = f(state + h * k3)
        state = state + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return state


def flow_points(
    f: Field,
    start: np.ndarray,
    n_points: int,
    n_trajectories: int,
    h: float,
    sample_every: float,
    burn_in: float,
    seed: int,
    spread: float = 1.0,
) -> np.ndarray:
    """Points of ``n_trajectories`` trajectories, each started at ``start`` plus a seeded
    Gaussian kick of std ``spread``, run for ``burn_in`` time units and then sampled every
    ``sample_every``; shape (n_points, d), each trajectory's points contiguous in time."""
    rng = np.random.default_rng(seed)
    d = len(start)
    state = np.asarray(start, float)[:, None] + spread * rng.standard_normal((d, n_trajectories))
    state = rk4(f, state, h, int(round(burn_in / h)))
    per = -(-n_points // n_trajectories)
    stride = max(1, int(round(sample_every / h)))
    out = np.empty((per, d, n_trajectories))
    for i in range(per):
        state = rk4(f, state, h, stride)
        out[i] = state
    if not np.isfinite(out).all():
        raise ValueError("the integration diverged; lower the step h")
    return out.transpose(2, 0, 1).reshape(-1, d)[:n_points]


def henon_points(
    n_points: int,
    a: float = 1.4,
    b: float = 0.3,
    n_trajectories: int = 100,
    burn_in: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """Iterates of the Hénon map from seeded starts near the origin, after ``burn_in``
    iterations; shape (n_points, 2), each orbit's points contiguous in time."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-0.1, 0.1, (2, n_trajectories))
    for _ in range(burn_in):
        x, y = 1.0 - a * x * x + y, b * x
    per = -(-n_points // n_trajectories)
    out = np.empty((per, 2, n_trajectories))
    for i in range(per):
        x, y = 1.0 - a * x * x + y, b * x
        out[i, 0], out[i, 1] = x, y
    if not np.isfinite(out).all():
        raise ValueError(f"the Hénon map with a={a}, b={b} escapes to infinity from these starts")
    return out.transpose(2, 0, 1).reshape(-1, 2)[:n_points]


def cached(system: str, params: dict, make: Callable[[], np.ndarray]) -> np.ndarray:
    """``make()``'s array, cached under ``cache_dir("lorenz")`` by a key over ``system``
    and every parameter, so a change of any of them makes a new file."""
    text = json.dumps({"system": system, "version": CACHE_VERSION, **params}, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    path: Path = cache_dir("lorenz") / f"{system}-{key}.npy"
    if path.is_file():
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            path.unlink(missing_ok=True)  # a torn write: make it again
    a = make()
    tmp = path.with_suffix(f".{np.random.default_rng().integers(1 << 30)}.tmp.npy")
    np.save(tmp, a, allow_pickle=False)
    tmp.replace(path)
    return a
