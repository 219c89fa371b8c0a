"""A trained cycle game judged on a benchmark with known pairs (fields, digits): per
direction, the translations of the held-out inputs against their true partners, the
cycle error, the distance to the real target domain, the baselines (identity, per-pixel
quantile mapping) and, given a run of the same recipe with ``game.paired=true``, the
supervised upper bound and the share of the quantile-map-to-paired gap closed.

    .venv/bin/python benchmarks/cyclegan_pairs.py RUN [--paired PAIRED_RUN]
"""

import argparse
import json

import numpy as np
from gansci_cyclegan import metrics

from gansci import Experiment


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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("run")
    p.add_argument("--paired", default=None, help="a run of the recipe with game.paired=true")
    args = p.parse_args()
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
