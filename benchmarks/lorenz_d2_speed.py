"""Speed and accuracy of the lorenz plugin's D2 estimator against nolds and dysts.

All three estimate the correlation dimension of the same standardised Lorenz-63 points
(reference value 2.05, Grassberger & Procaccia 1983), in one run:

- ours: gansci_lorenz.dimension.correlation_dimension (KD-tree counts, automatic scaling
  region, jackknife SE), default settings.
- nolds.corr_dim (nolds 0.5.2, the newest that runs here; it needs ``pkg_resources``,
  which the installed setuptools no longer ships, so a 6-line stand-in serving its data
  files is put in ``sys.modules`` first). Given the same 3-D points through its public
  ``dist`` argument (Euclidean, as its default, but over whole rows: its default
  ``rowwise_euclidean`` assumes a delay-embedded 1-D series) with ``emb_dim=1``, and
  otherwise its own defaults: radii ``logarithmic_r(0.1 sd, 0.5 sd, 1.03)``, its default fit.
  That is the speed peer. Its C(r) counts every point's pair with itself, so the two
  estimators are compared for accuracy only on identical radii: nolds on our scaling
  region's radii (``fit="poly"``) against ours, and ours fitted over nolds' default radii
  against nolds.
- dysts: its ``gp_dim`` (dysts 0.96, analysis.py) cannot be installed here (it requires
  gluonts[arrow]); its published algorithm is copied below verbatim in substance: all
  pair distances by ``cdist``, kept between their 5th and 50th percentiles, exponent by
  the Clauset–Shalizi–Newman maximum-likelihood estimator.

Then ours alone on 1,000,000 points, in a child process so its peak memory is its own.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/lorenz_d2_speed.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
import types

import numpy as np

REFERENCE_D2 = 2.05


def lorenz_points(n: int, seed: int = 0) -> np.ndarray:
    from gansci_lorenz.systems import flow_points, lorenz63_field

    x = flow_points(lorenz63_field(), np.array([1.0, 1.0, 27.0]), n, 1000, 0.005, 0.1, 20.0, seed)
    return (x - x.mean(0)) / x.std(0)


def import_nolds():
    def path(pkg: str, name: str) -> str:
        return os.path.join(os.path.dirname(importlib.util.find_spec(pkg).origin), name)

    stand_in = types.ModuleType("pkg_resources")
    stand_in.resource_stream = lambda pkg, name: open(path(pkg, name), "rb")  # noqa: SIM115
    stand_in.resource_filename = path
    sys.modules.setdefault("pkg_resources", stand_in)
    import nolds

    return nolds


def dysts_gp_dim(data: np.ndarray) -> float:
    """dysts.analysis.gp_dim (v0.96): the distance distribution's power-law exponent."""
    from scipy.spatial.distance import cdist

    dists = cdist(data, data)
    rvals = dists.ravel()
    rvals = rvals[rvals > 0]
    rvals = rvals[rvals > np.percentile(rvals, 5)]
    rvals = rvals[rvals < np.percentile(rvals, 50)]
    data = np.sort(rvals, axis=0)  # estimate_powerlaw
    xmin = np.min(data, axis=0)
    return float(1 + data.shape[0] / np.sum(np.log(data / xmin), axis=0))


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def compare(n: int) -> list[dict]:
    from gansci_lorenz.dimension import correlation_dimension

    x = lorenz_points(n)
    ours, t_ours = timed(correlation_dimension, x)
    rows = [dict(method="gansci_lorenz (own radii)", n=n, seconds=t_ours, d2=ours.d2)]
    nolds = import_nolds()

    def rowwise(orbit: np.ndarray, point: np.ndarray) -> np.ndarray:
        return np.linalg.norm((orbit - point).reshape(len(orbit), -1), axis=1)

    d2, t = timed(nolds.corr_dim, x, 1, dist=rowwise)
    rows.append(dict(method="nolds.corr_dim 0.5.2 (own radii)", n=n, seconds=t, d2=float(d2)))
    d2, t = timed(dysts_gp_dim, x)
    rows.append(dict(method="dysts gp_dim 0.96 (algorithm copy)", n=n, seconds=t, d2=d2))

    # accuracy on identical radii: ours' region given to nolds, nolds' radii given to ours
    region = ours.radii[ours.in_region]
    d2, t = timed(nolds.corr_dim, x, 1, rvals=region, dist=rowwise, fit="poly")
    rows.append(dict(method="nolds on our region's radii", n=n, seconds=t, d2=float(d2)))
    theirs = np.asarray(nolds.logarithmic_r(0.1 * np.std(x), 0.5 * np.std(x), 1.03))
    on_theirs, t = timed(
        correlation_dimension, x, radii=theirs, region=(theirs[0], theirs[-1]), min_radii=2
    )
    rows.append(dict(method="gansci_lorenz on nolds' radii", n=n, seconds=t, d2=on_theirs.d2))
    return rows


def large(n: int) -> dict:
    """Ours on ``n`` points in a child process: wall time and its peak RSS. Run before the
    peers, while this process is small: a forked child's peak RSS includes the parent's."""
    code = (
        "import json,time,sys;sys.path.insert(0,'benchmarks');import lorenz_d2_speed as b;"
        "from gansci_lorenz.dimension import correlation_dimension as cd;"
        f"x=b.lorenz_points({n});t=time.perf_counter();r=cd(x);"
        "print(json.dumps(dict(seconds=time.perf_counter()-t,d2=r.d2,se=r.se)))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(method="gansci_lorenz", n=n, peak_rss_gb=max(peak_kb, before) / 2**20)
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--large", type=int, default=1_000_000, help="0 skips the large run")
    args = p.parse_args()
    big = large(args.large) if args.large else None
    rows = compare(args.n)
    fastest_peer = min(r["seconds"] for r in rows[1:3])
    print(f"| method | n | seconds | D2 | abs(D2 - {REFERENCE_D2}) | speed-up vs fastest peer |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['method']} | {r['n']:,} | {r['seconds']:.3f} | {r['d2']:.3f} | "
            f"{abs(r['d2'] - REFERENCE_D2):.3f} | {fastest_peer / r['seconds']:.1f} |"
        )
    if big:
        r = big
        print(
            f"| {r['method']} | {r['n']:,} | {r['seconds']:.1f} | {r['d2']:.3f} ± {r['se']:.3f} "
            f"| {abs(r['d2'] - REFERENCE_D2):.3f} | peak RSS {r['peak_rss_gb']:.2f} GB |"
        )


if __name__ == "__main__":
    main()
