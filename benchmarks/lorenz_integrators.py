"""Vectorised fixed-step RK4 against scipy's solve_ivp for making Lorenz-63 data.

Both integrate the same initial conditions over ``--horizon`` time units; the error is the
largest deviation from a DOP853 reference at rtol = atol = 1e-12 (short horizon, before
chaos amplifies round-off). solve_ivp integrates one trajectory a call (it has no batch
mode; stacking all trajectories into one system would force a common step on all), so its
time is per trajectory times their number; RK4 steps all trajectories together.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/lorenz_integrators.py
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from gansci_lorenz.systems import lorenz63_field, rk4
from scipy.integrate import solve_ivp


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trajectories", type=int, default=200)
    p.add_argument("--horizon", type=float, default=2.0)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    f = lorenz63_field()
    # Start on the attractor: a burn-in from kicked starts.
    start = rk4(
        f,
        np.array([1.0, 1.0, 27.0])[:, None] + rng.standard_normal((3, args.trajectories)),
        0.005,
        4000,
    )

    def ode(t, s):
        return f(s[:, None])[:, 0]

    def ivp(method: str, tol: float) -> tuple[np.ndarray, float]:
        t = time.perf_counter()
        end = np.stack(
            [
                solve_ivp(ode, (0, args.horizon), s, method=method, rtol=tol, atol=tol).y[:, -1]
                for s in start.T
            ],
            axis=1,
        )
        return end, time.perf_counter() - t

    reference, _ = ivp("DOP853", 1e-12)
    scale = np.abs(reference).max()
    print("| integrator | setting | max error (rel.) | seconds | s per time unit and trajectory |")
    print("|---|---|---:|---:|---:|")
    work = args.trajectories * args.horizon
    for h in (0.01, 0.005, 0.0025):
        t = time.perf_counter()
        end = rk4(f, start, h, int(round(args.horizon / h)))
        sec = time.perf_counter() - t
        err = np.abs(end - reference).max() / scale
        print(f"| RK4 vectorised | h={h} | {err:.1e} | {sec:.3f} | {sec / work:.1e} |")
    for method, tol in (("RK45", 1e-6), ("RK45", 1e-9), ("DOP853", 1e-9)):
        end, sec = ivp(method, tol)
        err = np.abs(end - reference).max() / scale
        print(
            f"| solve_ivp {method} | rtol=atol={tol} | {err:.1e} | {sec:.3f} | {sec / work:.1e} |"
        )


if __name__ == "__main__":
    main()
