"""A trained cycle game judged on a benchmark with known pairs (fields, digits): per
direction, the translations of the held-out inputs against their true partners, the
cycle error, the distance to the real target domain, the baselines (identity, per-pixel
quantile mapping) and, given a run of the same recipe with ``game.paired=true``, the
supervised upper bound and the share of the quantile-map-to-paired gap closed. With
``--baselines DATASET`` and no run: the model-free baselines of a benchmark alone.

    .venv/bin/python benchmarks/cyclegan_pairs.py RUN [--paired PAIRED_RUN]
    .venv/bin/python benchmarks/cyclegan_pairs.py --baselines spectra
"""

import argparse
import json

import numpy as np
from gansci_cyclegan import metrics, spectra

from gansci import Experiment
from gansci.registry import get_registry


def judge(run: str) -> dict[str, dict[str, float]]:
    """{direction: {metric: value}} on every held-out pair of the run's dataset."""
    exp = Experiment.load(run)
    data = exp.data
    rows = {}
    for direction in ("A2B", "B2A"):
        source, _, target = direction.partition("2")
        x = data.decode(data.split("test", view=source), view=source)
        y = data.decode(data.split("test", view=target), view=target)
        fake = exp.translate(x, direction)
        back = exp.translate(fake, f"{target}2{source}")
        row = metrics.pairs(fake, y, data, None, view=target)
        row["cycle_mae"] = metrics.mae(back, x)
        row.update(metrics.distribution(fake, y, data, np.random.default_rng(0)))
        if "digits" in data.domains:
            accuracy = metrics.label_accuracy
            row["label_accuracy"] = accuracy(fake, y, data, None, view=target)["accuracy"]
            row["label_accuracy_real"] = accuracy(y, y, data, None, view=target)["accuracy"]
        rows[direction] = row
    return rows


def baselines(dataset: str) -> dict[str, dict[str, float]]:
    """{"A2B identity": {metric: value}, ...}: the held-out inputs themselves, per-pixel
    quantile mapping (learnt from the unpaired training sets) and, on spectra, the
    classical bounds: A→B the instrument with its mean drift and no noise (the best any
    translator can predict), B→A Wiener deconvolution with the known response."""
    data = get_registry().get("datasets", dataset).factory()
    split = {(s, v): data.decode(data.split(s, view=v), view=v) for s in ("train", "test")
             for v in "AB"}  # fmt: skip
    rows = {}
    for direction in ("A2B", "B2A"):
        source, _, target = direction.partition("2")
        x, y = split["test", source], split["test", target]
        outs = {
            "identity": x,
            "quantile map": metrics.quantile_map(x, split["train", source], split["train", target]),
        }
        if dataset == "spectra" and direction == "A2B":
            outs["instrument, mean drift"] = spectra.instrument(x[..., 0], None)[..., None]
        if dataset == "spectra" and direction == "B2A":
            train = (split["train", "A"][..., 0], split["train", "B"][..., 0])
            outs["Wiener"] = spectra.wiener_inverse(x[..., 0], *train)[..., None]
        for name, out in outs.items():
            rows[f"{direction} {name}"] = metrics.pairs(out, y, data, None)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run", nargs="?")
    p.add_argument("--baselines", metavar="DATASET", help="a benchmark's baselines, no run")
    p.add_argument("--paired", default=None, help="a run of the recipe with game.paired=true")
    args = p.parse_args()
    if args.baselines:
        for name, row in baselines(args.baselines).items():
            print(name, json.dumps({k: round(v, 4) for k, v in row.items()}))
        return
    if not args.run:
        p.error("give a run folder, or --baselines DATASET")
    rows = judge(args.run)
    if args.paired:
        for direction, row in judge(args.paired).items():
            ours = rows[direction]
            ours["mae_paired"] = row["mae"]
            gap = ours["mae_quantile_map"] - row["mae"]
            ours["gap_closed"] = (ours["mae_quantile_map"] - ours["mae"]) / gap
    for direction, row in rows.items():
        print(direction, json.dumps({k: round(v, 4) for k, v in row.items()}))


if __name__ == "__main__":
    main()
