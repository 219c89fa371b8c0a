"""Is D2's standard error calibrated? Its mean over independent Lorenz samples against the
spread of D2 itself.

Each replicate is an independent sample of the Lorenz-63 invariant measure made as the
datasets make theirs (RK4, h = 0.005, from (1, 1, 27) plus a seeded Gaussian kick, 20 time
units of burn-in), except that each trajectory gives only ``--per-trajectory`` points,
``--spacing`` time units apart, so the points within a sample are as good as independent:
like a generator's samples, which are what the ``d2`` metric states an error for. All
samples are standardised with one fixed offset and scale (those of a reference sample).

``--theiler W`` measures time-ordered samples instead: rows stay in time order, trajectory
after trajectory (say ``--per-trajectory 2000 --spacing 0.01``), and D2 is measured with a
Theiler window of W rows, which also makes the jackknife's blocks contiguous in time.

Two ways of measuring D2, each on every replicate:

- ``auto``: ``correlation_dimension(x)``: the sample's own radii and scaling region, so the
  region's variability is part of what each replicate does.
- ``reference``: what the ``d2`` metric does to generated points: D2 over the radii and
  scaling region of a reference sample (here an independent one, fixed for all).

Prints, for each, the standard deviation of D2 over replicates, the mean stated standard
error, their ratio with a 95 % interval (chi-square, from the replicate count), and the
lag-1 autocorrelation of the D2 series (replicates independent: near 0). Exits 1 when a
ratio lies outside [0.8, 1.25].

    OMP_NUM_THREADS=1 .venv/bin/python experiments/d2_calibration.py --replicates 200
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from gansci_lorenz import systems
from gansci_lorenz.dimension import correlation_dimension, default_radii
from scipy import stats

BAND = (0.8, 1.25)
REFERENCE_SEED = 1_000_000  # far from the replicates' seeds 0, 1, ...


def lorenz_sample(
    n_points: int, seed: int, per_trajectory: int = 10, spacing: float = 5.0
) -> np.ndarray:
    """``n_points`` Lorenz-63 points in the datasets' raw units, ``per_trajectory`` from
    each of ``n_points / per_trajectory`` independently kicked trajectories."""
    return systems.flow_points(
        systems.lorenz63_field(),
        np.array([1.0, 1.0, 27.0]),
        n_points,
        -(-n_points // per_trajectory),
        h=0.005,
        sample_every=spacing,
        burn_in=20.0,
        seed=seed,
    )


def samples(args: argparse.Namespace, seed: int) -> np.ndarray:
    """One replicate's raw points, read from ``args.cache`` when it holds them."""
    if not args.cache:
        return lorenz_sample(args.n_points, seed, args.per_trajectory, args.spacing)
    path = Path(args.cache) / (
        f"lorenz-{args.n_points}-{args.per_trajectory}-{args.spacing:g}-{seed}.npy"
    )
    if path.is_file():
        return np.load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    x = lorenz_sample(args.n_points, seed, args.per_trajectory, args.spacing)
    np.save(path, x)
    return x


def ratio_interval(d2: np.ndarray, se: np.ndarray, level: float = 0.95) -> tuple[float, ...]:
    """sd(D2) / mean(SE), and a ``level`` interval for it from the sd's chi-square
    distribution (the mean SE, an average over all replicates, taken as exact)."""
    k = len(d2)
    sd = float(np.std(d2, ddof=1))
    ratio = sd / float(np.mean(se))
    lo_q, hi_q = stats.chi2.ppf([(1 + level) / 2, (1 - level) / 2], k - 1)
    return ratio, ratio * np.sqrt((k - 1) / lo_q), ratio * np.sqrt((k - 1) / hi_q)


def calibration(args: argparse.Namespace) -> tuple[dict[str, dict[str, float]], float]:
    """D2 and its stated SE over ``args.replicates`` samples, in each of ``args.modes``."""
    reference = samples(args, REFERENCE_SEED)
    offset, scale = reference.mean(0), reference.std(0)
    reference = (reference - offset) / scale
    radii = default_radii(reference)
    region = correlation_dimension(reference, radii=radii, theiler=args.theiler).region
    rows = {mode: [] for mode in args.modes}
    cpu = time.process_time()
    for seed in range(args.replicates):
        x = (samples(args, seed) - offset) / scale
        if "auto" in rows:
            r = correlation_dimension(x, theiler=args.theiler)
            rows["auto"].append((r.d2, r.se))
        if "reference" in rows:
            r = correlation_dimension(
                x, radii=radii, region=region, theiler=args.theiler, min_pairs=0
            )
            rows["reference"].append((r.d2, r.se))
    cpu = time.process_time() - cpu
    out = {}
    for mode, values in rows.items():
        d2, se = np.array(values).T
        ratio, lo, hi = ratio_interval(d2, se)
        out[mode] = dict(
            d2_mean=float(d2.mean()),
            d2_sd=float(d2.std(ddof=1)),
            se_mean=float(se.mean()),
            ratio=ratio,
            ratio_lo=lo,
            ratio_hi=hi,
            lag1=float(np.corrcoef(d2[:-1], d2[1:])[0, 1]),
        )
    return out, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument(
        "--n-points", type=int, default=50_000, help="points a sample (validation: 50,000)"
    )
    parser.add_argument("--per-trajectory", type=int, default=10)
    parser.add_argument("--spacing", type=float, default=5.0, help="time units between points")
    parser.add_argument("--theiler", type=int, default=0, help="rows; > 0: time-ordered rows")
    parser.add_argument("--modes", nargs="+", default=["auto", "reference"])
    parser.add_argument("--cache", default="", help="folder to keep the samples in, for reruns")
    args = parser.parse_args()
    result, cpu = calibration(args)
    print(
        f"{args.replicates} samples of {args.n_points} Lorenz points, {args.per_trajectory} a "
        f"trajectory {args.spacing:g} time units apart, Theiler window {args.theiler}; "
        f"CPU {cpu:.0f} s (sampling and D2)"
    )
    header = ("mode", "mean D2", "sd D2", "mean SE", "ratio")
    print("{:10s} {:>8s} {:>8s} {:>8s} {:>6s}  95 % interval  lag-1".format(*header))
    failed = False
    for mode in args.modes:
        r = result[mode]
        print(
            f"{mode:10s} {r['d2_mean']:8.4f} {r['d2_sd']:8.5f} {r['se_mean']:8.5f} "
            f"{r['ratio']:6.3f}  [{r['ratio_lo']:.3f}, {r['ratio_hi']:.3f}]  {r['lag1']:+.3f}"
        )
        failed |= not BAND[0] <= r["ratio"] <= BAND[1]
    print(f"target: ratio in [{BAND[0]}, {BAND[1]}]: {'missed' if failed else 'met'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
