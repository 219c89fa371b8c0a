"""DHFR: the protein-family GAN against the arDCA-style baseline and the independent-site
profile model, on one identity-cluster split, by the field's statistics (issue 19).

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/protein_dhfr.py --steps 3000 --ardca-iter 100
    .venv/bin/python benchmarks/protein_dhfr.py --models gan --steps 3000   # the GAN row only

Prints one Markdown row per model: one-site r, two-site C_ij r (held-out natural as the
reference, weighted), median nearest-natural identity, exact copies of training sequences,
training time; held-out natural vs training natural is the ceiling row."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from gansci_protein import alphabet as ab
from gansci_protein.ardca import ArDCA
from gansci_protein.dca import dca_stats, profile_sample

from gansci import Experiment

DHFR = Path(__file__).resolve().parents[1] / "datasets" / "protein_dhfr" / "DHFR.a2m"


def row(name: str, seqs: list[str], real: list[str], data, train_set: set, seconds: float) -> str:
    s = dca_stats(seqs, real, data)
    copies = np.mean([q in train_set for q in seqs])
    if seconds < 0:  # the ceiling row: nearest-natural identity and copies of held-out's
        s["nn_hamming"], copies = s["real_nn_hamming"], np.mean([q in train_set for q in real])
    return (
        f"| {name} | {s['site_r']:.3f} | {s['pair_r']:.3f} | {1 - s['nn_hamming']:.3f} "
        f"| {copies:.3f} | {max(seconds, 0):.0f} s |"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--path", default=str(DHFR))
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--ardca-iter", type=int, default=100)
    p.add_argument("--n", type=int, default=2500, help="generated sequences per model")
    p.add_argument("--out", default="runs/bench-dhfr")
    p.add_argument(
        "--models",
        default="profile,ardca,gan",
        help="comma-separated rows to run beside the ceiling: profile, ardca, gan",
    )
    args = p.parse_args()
    models = set(args.models.split(","))
    if models - {"profile", "ardca", "gan"}:
        p.error(f"--models: unknown {', '.join(sorted(models - {'profile', 'ardca', 'gan'}))}")
    t0 = time.perf_counter()
    exp = Experiment.from_recipe(
        "protein-family",
        out=args.out,
        overrides={"data": {"path": args.path}, "train": {"steps": args.steps, "progress": False}},
    )
    data = exp.data
    t_data = time.perf_counter() - t0
    train_codes = data.split("train").argmax(-1).numpy()
    real = data.decode(data.split("test"))
    train_set = set(data.decode(data.split("train")))
    print(
        f"data: {data.n_train} training, {data.n_test} held-out, L={data.length} ({t_data:.0f} s)"
    )
    print(
        "| model | one-site r | two-site C_ij r | median nearest-natural identity | copies | time |"
    )
    print("|---|---|---|---|---|---|")
    n = len(real)
    nat = data.decode(data.split("train", n))
    # r: training vs held-out natural; identity and copies: held-out natural's
    print(row(f"natural, {n} training vs held-out (the ceiling)", nat, real, data, train_set, -1))
    if "profile" in models:
        t = time.perf_counter()
        prof = ab.from_codes(profile_sample(train_codes, data.weights, args.n))
        name = "profile model (independent sites)"
        print(row(name, prof, real, data, train_set, time.perf_counter() - t))
    if "ardca" in models:
        t = time.perf_counter()
        model = ArDCA(data.length)
        nll = model.fit(train_codes, data.weights, max_iter=args.ardca_iter)
        ar = ab.from_codes(model.sample(args.n))
        name = f"arDCA-style ({args.ardca_iter} L-BFGS iterations, NLL {nll:.1f})"
        print(row(name, ar, real, data, train_set, time.perf_counter() - t))
    if "gan" in models:
        t = time.perf_counter()
        exp.run(validate=False, force=True)
        gan = exp.sample(args.n, seed=0)
        name = f"GAN protein-family ({args.steps} steps)"
        print(row(name, gan, real, data, train_set, time.perf_counter() - t), flush=True)


if __name__ == "__main__":
    main()
