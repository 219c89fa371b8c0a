"""Seeds as an axis: train one recipe under several seeds, report metrics as mean ± std.

GAN results vary widely between seeds (Lucic et al. 2018), so a claim rests on several.
A multi-seed folder holds one run folder per seed, ``seed-<N>/``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gansci.errors import CheckpointError
from gansci.experiment import Experiment
from gansci.report import MetricValue


@dataclass
class SeedSummary:
    """One metric number across seeds."""

    metric: str
    key: str
    mean: float
    std: float
    per_seed: dict[int, float]
    baseline: float


def seed_folders(folder: str | Path) -> dict[int, Path]:
    """The run folders of a multi-seed folder, by seed; empty for a single run."""
    found = {}
    for path in Path(folder).glob("seed-*"):
        if (path / "config.toml").is_file() and path.name[5:].isdigit():
            found[int(path.name[5:])] = path
    return dict(sorted(found.items()))


def run_seeds(
    recipe: str,
    n_seeds: int,
    first_seed: int = 0,
    out: str | Path | None = None,
    device: str | None = None,
    vectorize: bool = False,
    overrides: dict[str, Any] | None = None,
) -> list[Experiment]:
    """Train ``recipe`` under seeds first_seed .. first_seed + n_seeds - 1, one after
    another or (``vectorize``, small MLP games only) all at once in one process; then
    validate them with :func:`validate_seeds`."""
    out = Path(out) if out else Path("runs") / f"{recipe}-seeds-{time.strftime('%Y%m%d-%H%M%S')}"
    exps = [
        Experiment.from_recipe(recipe, s, device, out / f"seed-{s}", overrides)
        for s in range(first_seed, first_seed + n_seeds)
    ]
    if vectorize:
        from gansci.engine.vectorized import fit_vectorized

        fit_vectorized(exps)
    else:
        for exp in exps:
            exp.run(validate=False)
    return exps


def summarize(per_seed: dict[int, list[MetricValue]]) -> list[SeedSummary]:
    """Mean ± std (sample std, ddof=1) of every metric number across seeds."""
    first = next(iter(per_seed.values()))
    out = []
    for i, row in enumerate(first):
        values = {s: rows[i].value for s, rows in per_seed.items()}
        a = np.array(list(values.values()))
        with np.errstate(invalid="ignore"):  # inf values (e.g. reverse KL of nothing) give nan
            std = float(a.std(ddof=1)) if len(a) > 1 else 0.0
        out.append(
            SeedSummary(
                row.metric,
                row.key,
                float(a.mean()),
                std,
                values,
                float(np.mean([rows[i].baseline for rows in per_seed.values()])),
            )
        )
    return out


def validate_seeds(folder: str | Path) -> list[SeedSummary]:
    """Validate every seed's run and write ``report.md`` + ``validation.json`` summarising
    them into the multi-seed folder."""
    folder = Path(folder)
    runs = seed_folders(folder)
    if not runs:
        raise CheckpointError(f"{folder}: no seed-N run folders in it")
    per_seed = {s: Experiment.load(path).validate() for s, path in runs.items()}
    summary = summarize(per_seed)
    (folder / "validation.json").write_text(json.dumps([s.__dict__ for s in summary], indent=1))
    lines = [
        f"# Validation over {len(runs)} seeds: {folder.name}",
        "",
        "Each seed's own report is in its `seed-N/report.md`.",
        "",
        *format_summary(summary),
        "",
    ]
    (folder / "report.md").write_text("\n".join(lines))
    return summary


def format_summary(summary: list[SeedSummary]) -> list[str]:
    seeds = list(summary[0].per_seed) if summary else []
    lines = [
        "| metric | mean ± std | " + " | ".join(f"seed {s}" for s in seeds) + " | real vs real |",
        "|---|---:|" + "---:|" * len(seeds) + "---:|",
    ]
    for r in summary:
        name = r.metric if r.key == r.metric else f"{r.metric}.{r.key}"
        cells = " | ".join(f"{v:.4g}" for v in r.per_seed.values())
        lines.append(f"| {name} | {r.mean:.4g} ± {r.std:.2g} | {cells} | {r.baseline:.4g} |")
    return lines
