"""Seeds vectorised in one process against the same seeds trained one after another, and
against K single-thread processes side by side on the same K cores (the fair peer).

For each recipe, trains ``--seeds`` seeds of the same config for ``--steps`` steps three
ways: sequentially in one process with ``--threads`` threads (``Experiment.run`` per seed,
the standard Trainer); split over K = ``--threads`` processes of one thread each, started
together, each running its share of the seeds one after another; and all at once in one
process with ``--threads`` threads (``gansci.engine.vectorized.fit_vectorized``). All write
full run folders (logs, final checkpoint, samples); datasets and networks are built (and
each process warmed up) before the clock starts. Prints and writes
(OUT/vectorized_seeds.md, .json) seed-steps per second of each and the ratios.

    python benchmarks/vectorized_seeds.py --recipes grid25 lorenz --sizes recipe 64x2x128 \
        --seeds 8 --steps 100 --threads 1

The last column is the rate of one hidden layer's matmul for one seed and for all seeds
stacked: where the two are equal the step is compute-bound and stacking saves only the
per-operation overhead. ``--sizes`` gives the networks: ``recipe`` (the recipe's own)
or ``HxDxB`` (G and D of width H and depth D, batch size B). Wall-clock and process CPU
time are both reported: on a shared machine the CPU-time ratio is the steadier one.

A recipe that is not registered (the lorenz plugin not installed) is replaced by the
built-in ``vectors`` dataset on a 3-D Lorenz-63 trajectory with the lorenz recipe's
network sizes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from gansci import Experiment
from gansci.config import overrides_to_dict
from gansci.engine.vectorized import fit_vectorized
from gansci.registry import get_registry


def lorenz_stand_in(folder: Path, n: int = 20_000) -> dict:
    """A Lorenz-63 trajectory (RK4, dt 0.01, transient dropped) as a .npy for ``vectors``,
    and the lorenz recipe's network sizes (MLP 128 x 3, latent 3, spectral-norm D)."""

    def f(s: np.ndarray) -> np.ndarray:
        x, y, z = s
        return np.array([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z])

    s, dt, rows = np.array([1.0, 1.0, 1.0]), 0.01, []
    for i in range(n + 1000):
        k1 = f(s)
        k2 = f(s + dt / 2 * k1)
        k3 = f(s + dt / 2 * k2)
        s = s + dt / 6 * (k1 + 2 * k2 + 2 * k3 + dt * f(s + dt * k3))
        if i >= 1000:
            rows.append(s)
    path = folder / "lorenz63.npy"
    np.save(path, np.array(rows), allow_pickle=False)
    return {
        "data": {"name": "vectors", "path": str(path)},
        "generator": {"name": "mlp", "latent_dim": 3, "hidden": 128, "depth": 3},
        "discriminator": {"name": "mlp", "hidden": 128, "depth": 3, "spectral_norm": True},
        "game": {"name": "standard", "loss": "ns"},
        "train": {"batch_size": 512, "ema": 0.999},
    }


def experiments(
    recipe: str, seeds: list[int], out: Path, overrides: dict, device: str = "cpu"
) -> list[Experiment]:
    if recipe in get_registry().names("recipes"):
        base = recipe
    else:
        overrides = {**lorenz_stand_in(out), **overrides}
        base = "grid25"  # any recipe: every section it sets is overridden
    exps = [
        Experiment.from_recipe(base, seed=s, device=device, out=out / f"seed{s}", **overrides)
        for s in seeds
    ]
    for e in exps:  # built before the clock starts
        e.data, e.game  # noqa: B018
    return exps


def size_overrides(size: str) -> dict:
    if size == "recipe":
        return {}
    hidden, depth, batch = (int(v) for v in size.split("x"))
    return {
        "generator.hidden": hidden,
        "generator.depth": depth,
        "discriminator.hidden": hidden,
        "discriminator.depth": depth,
        "train.batch_size": batch,
    }


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def timed(fn, device: str = "cpu") -> tuple[float, float]:
    sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    sync(device)
    return time.perf_counter() - wall, time.process_time() - cpu


def _process_share(recipe, seeds, out, overrides, device, barrier, finished) -> None:
    """One of the K single-thread processes: build and warm up, wait for the others, then
    train its seeds one after another and report when it finished."""
    torch.set_num_threads(1)
    warm = {**overrides, "train.steps": 2, "train.checkpoint_every": 2}
    experiments(recipe, [seeds[0]], out / "warmup", warm, device)[0].run(validate=False)
    exps = experiments(recipe, seeds, out, overrides, device)
    barrier.wait()
    for e in exps:
        e.run(validate=False)
    finished.put(time.monotonic())


def in_processes(
    recipe: str, seeds: list[int], k: int, out: Path, overrides: dict, device: str
) -> float:
    """Wall seconds for K single-thread processes started together to train all seeds."""
    ctx = mp.get_context("spawn")
    barrier, finished = ctx.Barrier(k + 1), ctx.Queue()
    shares = [seeds[i::k] for i in range(k)]
    procs = [
        ctx.Process(
            target=_process_share,
            args=(recipe, share, out / f"proc{i}", overrides, device, barrier, finished),
        )
        for i, share in enumerate(shares)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.monotonic()
    ends = [finished.get() for _ in procs]
    for p in procs:
        p.join()
    if any(p.exitcode for p in procs):
        raise RuntimeError("a benchmark process failed")
    return max(ends) - start


def bench(
    recipe: str,
    n_seeds: int,
    steps: int,
    out: Path,
    extra: dict,
    device: str = "cpu",
    processes: int = 2,
) -> dict:
    overrides = {
        "train.steps": steps,
        "train.log_every": 50,
        "train.checkpoint_every": steps,
        "train.eval_every": 0,
        "train.eval_metrics": [],
        "train.progress": False,
        **extra,
    }
    seeds = list(range(n_seeds))
    shutil.rmtree(out, ignore_errors=True)
    warm = {**overrides, "train.steps": 2, "train.checkpoint_every": 2}  # one-time costs
    experiments(recipe, [0], out / "warmup-seq", warm, device)[0].run(validate=False)
    fit_vectorized(experiments(recipe, [0, 1], out / "warmup-vec", warm, device))
    seq = experiments(recipe, seeds, out / "sequential", overrides, device)
    t_seq, cpu_seq = timed(lambda: [e.run(validate=False) for e in seq], device)
    t_proc = in_processes(recipe, seeds, processes, out / "processes", overrides, device)
    vec = experiments(recipe, seeds, out / "vectorized", overrides, device)
    t_vec, cpu_vec = timed(lambda: fit_vectorized(vec), device)
    c = seq[0].config
    G, D = c.networks["G"], c.networks["D"]
    return {
        "recipe": recipe,
        "net": f"G {G.params.get('hidden')}x{G.params.get('depth')}, "
        f"D {D.params.get('hidden')}x{D.params.get('depth')}" + (" SN" if D.spectral_norm else ""),
        "batch_size": c.train.batch_size,
        "penalty": c.game.params.get("penalty", ""),
        "seeds": n_seeds,
        "steps": steps,
        "sequential_s": t_seq,
        "vectorized_s": t_vec,
        "sequential_steps_per_s": n_seeds * steps / t_seq,
        "vectorized_steps_per_s": n_seeds * steps / t_vec,
        "processes": processes,
        "processes_s": t_proc,
        "processes_steps_per_s": n_seeds * steps / t_proc,
        "ratio": t_seq / t_vec,
        "ratio_vs_processes": t_proc / t_vec,
        "sequential_cpu_s": cpu_seq,
        "vectorized_cpu_s": cpu_vec,
        "cpu_ratio": cpu_seq / cpu_vec,
        "gflops_mm_bmm": matmul_gflops(
            G.params.get("hidden", 128), c.train.batch_size, n_seeds, device
        ),
    }


def matmul_gflops(
    hidden: int, batch: int, n_seeds: int, device: str = "cpu", repeats: int = 400
) -> tuple[float, float]:
    """GFLOP/s of one hidden layer's matmul for one seed (mm) and for all seeds stacked
    (bmm): when the stacked kernel is no faster per FLOP, vectorising saves only overhead."""
    a, b = torch.randn(batch, hidden, device=device), torch.randn(hidden, hidden, device=device)
    A = torch.randn(n_seeds, batch, hidden, device=device)
    B = torch.randn(n_seeds, hidden, hidden, device=device)
    rates = []
    for fn, flops in ((lambda: a @ b, 1), (lambda: torch.bmm(A, B), n_seeds)):
        for _ in range(20):
            fn()
        sync(device)
        t = time.perf_counter()
        for _ in range(repeats):
            fn()
        sync(device)
        rates.append(
            2 * batch * hidden * hidden * flops * repeats / (time.perf_counter() - t) / 1e9
        )
    return rates[0], rates[1]


def table(rows: list[dict]) -> str:
    lines = [
        "| recipe | networks | batch | penalty | seeds x steps | sequential seed-steps/s "
        "| K single-thread processes seed-steps/s | vectorised seed-steps/s "
        "| vectorised / sequential (wall, CPU time) | vectorised / K processes "
        "| GFLOP/s mm / bmm |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['recipe']} | {r['net']} | {r['batch_size']} | {r['penalty'] or '-'} "
            f"| {r['seeds']} x {r['steps']} | {r['sequential_steps_per_s']:.1f} "
            f"| {r['processes_steps_per_s']:.1f} (K={r['processes']}) "
            f"| {r['vectorized_steps_per_s']:.1f} | {r['ratio']:.2f}x, {r['cpu_ratio']:.2f}x "
            f"| **{r['ratio_vs_processes']:.2f}x** "
            f"| {r['gflops_mm_bmm'][0]:.0f} / {r['gflops_mm_bmm'][1]:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["grid25", "lorenz"])
    parser.add_argument("--sizes", nargs="+", default=["recipe"], help="recipe or HxDxB")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-vectorized-seeds"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    extra = overrides_to_dict(args.set)
    rows = []
    for recipe in args.recipes:
        for size in args.sizes:
            overrides = {**size_overrides(size), **extra}
            rows.append(
                bench(
                    recipe,
                    args.seeds,
                    args.steps,
                    args.out / recipe,
                    overrides,
                    args.device,
                    processes=args.threads,
                )
            )
            print(table(rows[-1:]), flush=True)
    header = (
        f"torch {torch.__version__}, {args.device}"
        + (f" ({torch.cuda.get_device_name()})" if args.device.startswith("cuda") else "")
        + f", {args.threads} threads, {platform.machine()}, "
        f"overrides {args.set or 'none'}"
    )
    text = f"{header}\n\n{table(rows)}\n"
    print("\n" + text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vectorized_seeds.md").write_text(text)
    (args.out / "vectorized_seeds.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
