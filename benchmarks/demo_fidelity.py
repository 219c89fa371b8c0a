"""The demo's grid25 run, faithful as well as sharp: recipe variants over seeds.

Trains the grid25 recipe (as `make demo` does, plus each variant's overrides) once per seed,
then validates 2,500 samples on C2ST accuracy, PRDC coverage and the mode statistics, for
the weight average (EMA) generator the run samples from and, where there is one, the live
generator beside it. Targets (issue 13): C2ST accuracy <= 0.58, coverage >= 0.90, 25 / 25
modes, >= 95 % high quality, within the demo's time. One JSON line per run is appended to
OUT/demo_fidelity.jsonl as it finishes; a Markdown table goes to stdout at the end.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/demo_fidelity.py --variants recipe \
        --seeds 0 1 2 --out runs/fidelity
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from gansci import Experiment
from gansci.engine import checkpoint
from gansci.engine.vectorized import fit_vectorized

#: Each variant: the recipe with these dotted overrides.
VARIANTS: dict[str, dict] = {
    "recipe": {},
    "no-ema": {"train.ema": 0.0},
    "ema-0.99": {"train.ema": 0.99},
    "constant-lr": {"train.lr_schedule": "constant"},
    "gaussian-latent": {"networks.G.components": 0},
    "pack-2": {"networks.D.packing": 2},
    # DeLiGAN's learned component stds can shrink, and the modes with them
    "fixed-prior-std": {"networks.G.learn_prior_std": False},
    # two time-scale update rule (Heusel et al. 2017): D tracks G, and can push back out a
    # generator that tightens inside its modes
    "ttur-4": {"networks.G.learn_prior_std": False, "train.players.G.lr": 2.5e-4},
    "ttur-2": {"networks.G.learn_prior_std": False, "train.players.G.lr": 5e-4},
    "ttur-4-fast": {
        "networks.G.learn_prior_std": False,
        "train.players.G.lr": 5e-4,
        "train.players.D.lr": 2e-3,
    },
    # R1 (gamma/2 |grad D|^2 on real data) keeps D flat across a mode of std 0.05: lower
    # gamma lets D tell a too-narrow mode from the real one
    "r1-0.01": {"game.penalty_weight": 0.01},
    "r1-0.001": {"game.penalty_weight": 0.001},
    # random Fourier features of the input give D the resolution of the modes (std 0.05)
    "ff-64": {"networks.D.fourier_features": 64, "networks.D.fourier_scale": 1.0},
    "ff-64-s0.5": {"networks.D.fourier_features": 64, "networks.D.fourier_scale": 0.5},
}
METRICS = ["c2st", "prdc", "modes"]
KEYS = {
    "c2st_accuracy": "C2ST acc.",
    "coverage": "coverage",
    "modes": "modes",
    "high_quality": "HQ",
    "reverse_kl": "rev. KL",
}


def _values(rows) -> dict[str, float]:
    return {r.key: r.value for r in rows if r.key in KEYS}


def run_variant(
    variant: str, seeds: list[int], out: Path, steps: int | None, vectorize: bool
) -> list[dict]:
    """Train one variant for each seed (one after another, or all at once with
    ``vectorize``); each seed's figures for the EMA and the live generator."""
    overrides = VARIANTS[variant] | ({"train.steps": steps} if steps else {})
    overrides |= {"validate.metrics": METRICS, "train.progress": False}
    exps = [
        Experiment.from_recipe("grid25", s, "cpu", out / variant / f"seed-{s}", overrides=overrides)
        for s in seeds
    ]
    results = []
    start, cpu = time.perf_counter(), time.process_time()
    if vectorize:  # the times are then all seeds' together
        fit_vectorized(exps)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    for exp in exps:
        if not vectorize:
            start, cpu = time.perf_counter(), time.process_time()
            exp.run(validate=False, force=True)
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        rows = exp.validate(write_report=False)
        result = {"variant": variant, "seed": exp.config.seed, "vectorized": vectorize}
        result |= {"seconds": seconds, "cpu_seconds": cpu_seconds}
        result |= {"ema": _values(rows)} if exp.game.ema is not None else {}
        exp.game.ema = None  # the generator being trained, not its weight average
        result["live"] = _values(exp.validate(write_report=False))
        result["baseline"] = {r.key: r.baseline for r in rows if r.key in KEYS}
        results.append(result)
    return results


def evaluate_checkpoint(run_dir: Path, step: int) -> dict:
    """The figures of a run's checkpoint at ``step`` (during training, or of a stopped run),
    EMA and live generator, with each mode's spread along its minor and major axes."""
    exp = Experiment.load(run_dir, **{"validate.metrics": METRICS})
    exp.game.load_state_dict(
        checkpoint.load(run_dir / "checkpoints" / f"step-{step:07d}.pt")["game"]
    )
    result = {"run": str(run_dir), "step": step}
    for which in ("ema", "live") if exp.game.ema is not None else ("live",):
        if which == "live":
            exp.game.ema = None
        result[which] = _values(exp.validate(write_report=False)) | _mode_axes(exp)
    return result


def _mode_axes(exp: Experiment, n: int = 20000) -> dict[str, float]:
    """Median over modes of the std of 20,000 samples around each grid point (within 0.5),
    along the minor and the major principal axis; real data: 0.05 and 0.05."""
    x = np.asarray(exp.sample(n, seed=1))
    centre = np.round(x / 2) * 2
    near = (np.abs(x - centre) < 0.5).all(1)
    axes = []
    for c in np.unique(centre[near], axis=0):
        own = near & (centre == c).all(1)
        if own.sum() > 50:
            axes.append(np.sqrt(np.linalg.eigvalsh(np.cov((x - centre)[own].T))))
    minor, major = np.median(axes, 0)
    return {"std_minor": float(minor), "std_major": float(major)}


def shrunk_real(stds: list[float], n: int = 2500) -> list[dict]:
    """C2ST accuracy and coverage of grid25 samples whose every mode has std ``s`` against
    real ones (std 0.05), by the same metric code: what narrow modes alone cost."""
    from gansci.builtin.mixtures import grid25
    from gansci.metrics import c2st, prdc

    rng = np.random.default_rng(0)
    centres = np.array([(i, j) for i in range(-4, 5, 2) for j in range(-4, 5, 2)], float)
    real = np.asarray(grid25().decode(grid25().split("test", n)))
    out = []
    for s in stds:
        fake = centres[rng.integers(0, 25, n)] + s * rng.standard_normal((n, 2))
        acc = c2st(fake, real, np.random.default_rng(1))["c2st_accuracy"]
        out.append({"std": s, "c2st_accuracy": acc, "coverage": prdc(real, fake)["coverage"]})
    return out


def passes(v: dict[str, float]) -> bool:
    return (
        v["c2st_accuracy"] <= 0.58
        and v["coverage"] >= 0.90
        and v["modes"] >= 25
        and v["high_quality"] >= 0.95
    )


def table(results: list[dict]) -> list[str]:
    head = " | ".join(KEYS.values())
    lines = [
        f"| variant | seed | G | {head} | train CPU (s) | wall (s) | targets |",
        "|---" * (len(KEYS) + 6) + "|",
    ]
    for r in results:
        for which in ("ema", "live"):
            if which not in r:
                continue
            v = r[which]
            cells = " | ".join(f"{v[k]:.0f}" if k == "modes" else f"{v[k]:.3f}" for k in KEYS)
            ok = "yes" if passes(v) else "no"
            lines.append(
                f"| {r['variant']} | {r['seed']} | {which} | {cells} "
                f"| {r['cpu_seconds']:.0f} | {r['seconds']:.0f} | {ok} |"
            )
    for variant in dict.fromkeys(r["variant"] for r in results):
        runs = [r for r in results if r["variant"] == variant]
        which = "ema" if "ema" in runs[0] else "live"
        if len(runs) < 2:
            continue
        cells = []
        for k in KEYS:
            xs = [r[which][k] for r in runs]
            cells.append(f"{statistics.mean(xs):.3g} ± {statistics.stdev(xs):.2g}")
        met = sum(passes(r[which]) for r in runs)
        cpu = statistics.mean(r["cpu_seconds"] for r in runs)
        lines.append(
            f"| {variant} | mean ± std | {which} | {' | '.join(cells)} | {cpu:.0f} | "
            f"| {met}/{len(runs)} |"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variants", nargs="+", default=["recipe"], choices=list(VARIANTS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--vectorize", action="store_true", help="train the seeds at once (times: all seeds')"
    )
    p.add_argument("--steps", type=int, default=None, help="instead of the recipe's 20,000")
    p.add_argument("--out", type=Path, default=Path("runs/fidelity"))
    p.add_argument(
        "--checkpoint",
        nargs=2,
        metavar=("RUN_DIR", "STEP"),
        help="only evaluate this run folder's checkpoint at STEP (no training)",
    )
    p.add_argument(
        "--shrunk-real", nargs="+", type=float, metavar="STD", help="only score real modes of STD"
    )
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.shrunk_real:
        for r in shrunk_real(args.shrunk_real):
            print(json.dumps(r))
        return
    if args.checkpoint:
        print(json.dumps(evaluate_checkpoint(Path(args.checkpoint[0]), int(args.checkpoint[1]))))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    for variant in args.variants:
        for r in run_variant(variant, args.seeds, args.out, args.steps, args.vectorize):
            results.append(r)
            with open(args.out / "demo_fidelity.jsonl", "a") as f:
                f.write(json.dumps(r) + "\n")
            print("\n".join(table([r])[2:]), flush=True)
    print("\n".join(table(results)))


if __name__ == "__main__":
    main()
