"""Can a GAN reach the Lorenz attractor's correlation dimension? D2 against latent size.

Claim under test: a GAN's samples lie on the image of its latent space, so with dz = 1 or 2
its D2 stays at or below dz, while dz >= 3 can approach the attractor's 2.05; a VAE adds
Gaussian noise to every decoded point, so at scales below that noise its D2 tends to 3.

For each latent size (and the VAE baseline, the plugin's ``vae`` game with the same
decoder) over several seeds: train the ``lorenz`` recipe, draw samples and measure, on the
real points' own scaling region and radii, D2 (and D2 on the lower and upper halves of
that region, in log r, to show scale dependence), sliced Wasserstein and off-attractor
mass. Prints a Markdown table, writes it with a JSON of every run and the local-slope
figure into ``--out``.

    OMP_NUM_THREADS=1 .venv/bin/python experiments/lorenz_latent_dim.py --out runs/latent_dim
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from gansci_lorenz.dimension import correlation_dimension, default_radii
from gansci_lorenz.measures import off_attractor_and_coverage

from gansci.config import ExperimentConfig, merge
from gansci.experiment import Experiment
from gansci.metrics import sliced_wasserstein
from gansci.registry import get_registry


def train(model: str, dz: int, seed: int, steps: int, out: Path) -> Experiment:
    """The ``lorenz`` recipe with latent size ``dz``; for the VAE its game section is
    replaced by the plugin's ``vae`` game (same decoder network, its own objective)."""
    cfg = merge(get_registry().get("recipes", "lorenz").config, {"recipe": "lorenz", "seed": seed})
    cfg = merge(
        cfg,
        {
            "generator.latent_dim": dz,
            "train.steps": steps,
            "train.progress": False,
            "train.checkpoint_every": steps,
            "device": "cpu",
        },
    )
    if model == "vae":
        cfg["game"] = {"name": "vae", "hidden": 128, "depth": 3}
        cfg = merge(cfg, {"train.lr_g": 1e-3, "train.ema": 0.0})
    exp = Experiment(ExperimentConfig.from_dict(cfg), out / f"{model}-dz{dz}-seed{seed}")
    exp.run(validate=False)
    return exp


def measure(samples: np.ndarray, real: np.ndarray, train_real: np.ndarray) -> dict:
    radii = default_radii(real)
    ref = correlation_dimension(real, radii=radii)
    lo, hi = ref.region
    mid = np.sqrt(lo * hi)
    gen = correlation_dimension(samples, radii=radii, region=ref.region, min_pairs=0)
    halves = {}
    for name, region in [("d2_small", (lo, mid)), ("d2_large", (mid, hi))]:
        halves[name] = correlation_dimension(samples, radii=radii, region=region, min_pairs=0).d2
    rng = np.random.default_rng(0)
    return {
        "d2": gen.d2,
        **halves,
        "d2_real": ref.d2,
        "swd": sliced_wasserstein(samples, real, rng)["swd"],
        "swd_real": sliced_wasserstein(train_real, real, np.random.default_rng(0))["swd"],
        "off_attractor": off_attractor_and_coverage(samples, real)["off_attractor"],
        "slopes": gen.slopes.tolist(),
        "real_slopes": ref.slopes.tolist(),
        "radii": radii.tolist(),
        "region": [lo, hi],
    }


def table(rows: list[dict]) -> list[str]:
    lines = [
        "| model | dz | seeds | D2 (real region) | D2 small scales | D2 large scales | "
        "SWD | off-attractor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    keys = sorted({(r["model"], r["dz"]) for r in rows}, key=lambda k: (k[0] == "vae", k[1]))
    for model, dz in keys:
        rs = [r for r in rows if r["model"] == model and r["dz"] == dz]

        def ms(k: str, fmt: str = ".3f", rs=rs) -> str:
            v = np.array([r[k] for r in rs])
            return f"{v.mean():{fmt}} ± {v.std():{fmt}}"

        lines.append(
            f"| {model} | {dz} | {len(rs)} | {ms('d2')} | {ms('d2_small')} | {ms('d2_large')} | "
            f"{ms('swd', '.4f')} | {ms('off_attractor')} |"
        )
    real = rows[0]
    lines.append(
        f"| real (held-out) | – | – | {real['d2_real']:.3f} | | | {real['swd_real']:.4f} "
        "(train vs test) | |"
    )
    return lines


def figure(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    first = rows[0]
    ax.semilogx(first["radii"], first["real_slopes"], "k-", lw=2.5, label="real")
    seed0 = min(r["seed"] for r in rows)
    for r in rows:
        if r["seed"] == seed0:
            label = f"{r['model']} dz={r['dz']}"
            ax.semilogx(r["radii"], r["slopes"], "o-", ms=2, label=label)
    ax.axvspan(*first["region"], color="0.92", zorder=0)
    ax.set_xlabel("r (standardised units)")
    ax.set_ylabel("local slope d log C / d log r")
    ax.set_ylim(0, 3.5)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dims", type=int, nargs="+", default=[1, 2, 3, 4, 8])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=None, help="default: the recipe's")
    p.add_argument("--vae-dim", type=int, default=3)
    p.add_argument("--no-vae", action="store_true")
    p.add_argument("--n-samples", type=int, default=50_000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("runs/lorenz_latent_dim"))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    steps = args.steps or get_registry().get("recipes", "lorenz").config["train"]["steps"]
    runs = [("gan", dz) for dz in args.dims] + ([] if args.no_vae else [("vae", args.vae_dim)])
    rows = []
    for seed in args.seeds:  # seed-major: an interrupted run still has every model
        for model, dz in runs:
            t = time.perf_counter()
            exp = train(model, dz, seed, steps, args.out)
            data = exp.data
            n = min(args.n_samples, data.n_test)
            real = data.test[:n].double().numpy()
            train_real = data.train[:n].double().numpy()
            samples = np.asarray(exp.sample(n, seed=1234), dtype=np.float64)
            row = {
                "model": model,
                "dz": dz,
                "seed": seed,
                "steps": steps,
                "seconds": time.perf_counter() - t,
                **measure(samples, real, train_real),
            }
            rows.append(row)
            print(
                f"{model} dz={dz} seed={seed}: D2 {row['d2']:.3f} (small {row['d2_small']:.3f},"
                f" large {row['d2_large']:.3f}), SWD {row['swd']:.4f}, off "
                f"{row['off_attractor']:.3f}, {row['seconds']:.0f}s",
                flush=True,
            )
            (args.out / "results.json").write_text(json.dumps(rows, indent=1))
    lines = table(rows)
    (args.out / "table.md").write_text("\n".join(lines) + "\n")
    figure(rows, args.out / "local_slopes.png")
    print("\n".join(lines))
    print(f"steps per run: {steps}; figure: {args.out / 'local_slopes.png'}")


if __name__ == "__main__":
    main()
