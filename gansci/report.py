"""The validation report: report.md with a metric table, training curves and figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gansci.files import atomic_path, atomic_write, read_jsonl

if TYPE_CHECKING:
    from gansci.config import ExperimentConfig


@dataclass
class MetricValue:
    """One number of a metric on generated data, beside the same number on real data, and
    the metric's target for it, if it declares one, with its verdict."""

    metric: str
    key: str
    value: float
    baseline: float
    target: str = ""  # e.g. "≤ 0.1"; empty: no target
    verdict: str = ""  # PASS, FAIL or empty


def verdict_table(rows: Sequence[MetricValue]) -> list[str]:
    """Markdown lines: a summary and a table of every row that has a target."""
    judged = [r for r in rows if r.verdict]
    if not judged:
        return ["No metric of this run's data declares a target; the table below compares "
                "each value with real data."]  # fmt: skip
    passed = sum(r.verdict == "PASS" for r in judged)
    lines = [
        f"**{passed} of {len(judged)} targets met.**",
        "",
        "| metric | generated | real vs real | target | verdict |",
        "|---|---:|---:|---|---|",
    ]
    for r in judged:
        name = r.metric if r.key == r.metric else f"{r.metric}.{r.key}"
        lines.append(
            f"| {name} | {_fmt(r.value)} | {_fmt(r.baseline)} | {r.target} | **{r.verdict}** |"
        )
    return lines


def format_table(rows: Sequence[MetricValue]) -> list[str]:
    """Markdown table lines: metric, value on generated data, real-vs-real baseline."""
    lines = ["| metric | generated | real vs real |", "|---|---:|---:|"]
    for r in rows:
        name = r.metric if r.key == r.metric else f"{r.metric}.{r.key}"
        lines.append(f"| {name} | {_fmt(r.value)} | {_fmt(r.baseline)} |")
    return lines


def _fmt(v: float) -> str:
    if math.isnan(v):
        return "–"
    return f"{v:.4g}"


def read_metrics_log(run_dir: Path) -> list[dict]:
    path = run_dir / "metrics.jsonl"
    if not path.exists():
        return []
    return [record for record, _ in read_jsonl(path)]


def plot_curves(run_dir: Path, path: Path) -> bool:
    """Training curves from metrics.jsonl (losses, D outputs, gradient norms, evaluations)."""
    records = read_metrics_log(run_dir)
    train = [r for r in records if r.get("kind") == "train"]
    evals = [r for r in records if r.get("kind") == "eval"]
    if not train:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [
        ("losses", [k for k in train[0] if k.startswith("loss")]),
        ("D outputs", [k for k in ("d_real", "d_fake") if k in train[0]]),
        ("gradient norms", [k for k in train[0] if k.startswith("grad_norm")]),
    ]
    eval_keys = sorted({k for r in evals for k in r if k not in ("step", "kind")})
    panels = [g for g in groups if g[1]] + ([("evaluations", eval_keys)] if eval_keys else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
    for ax, (title, keys) in zip(axes[0], panels, strict=True):
        source = evals if title == "evaluations" else train
        for k in keys:
            pts = [(r["step"], r[k]) for r in source if k in r]
            ax.plot(*zip(*pts, strict=True), label=k, marker="o" if source is evals else None)
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    return True


def write_report(
    out: Path,
    title: str,
    facts: Sequence[str],
    rows: Sequence[MetricValue],
    figures: dict[str, Path],
    figures_dir: Path,
    run_dir: Path | None = None,
) -> Path:
    """Write the report ``out``: ``title``, ``facts`` (what was judged against what) as
    a list, the verdict and metric tables, and the figures linked relative to its folder;
    a run's training curves (``run_dir``) are drawn into ``figures_dir`` first."""
    lines = [
        f"# {title}",
        "",
        *(f"- {fact}" for fact in facts),
        "",
        "## Verdict",
        "",
        *verdict_table(rows),
        "",
        "## Metrics",
        "",
        *format_table(rows),
        "",
    ]
    curves = figures_dir / "training.png"
    if run_dir is not None and plot_curves(run_dir, curves):
        figures = {"training curves": curves, **figures}
    if figures:
        lines += ["## Figures", ""]
        for title, path in figures.items():
            link = path.relative_to(out.parent).as_posix()
            lines += [f"### {title}", "", f"![{title}]({link})", ""]
    atomic_write(out, "\n".join(lines))
    return out


def run_facts(config: ExperimentConfig, generated: str = "") -> list[str]:
    """A run's report facts: data, networks, game, training, and what was judged
    (``generated``, default the config's count of fresh samples)."""
    t = config.train
    lrs = ", ".join(f"{n} {t.player(n).lr:g}" for n in sorted(t.players)) or f"{t.lr:g}"
    generated = generated or f"{config.validate.n_samples} generated samples"
    return [
        f"dataset `{config.data.name}`, "
        + ", ".join(f"{role} `{net.share or net.name}`" for role, net in config.networks.items())
        + f", game `{config.game.name}` "
        f"({', '.join(f'{k}={v}' for k, v in config.game.params.items()) or 'defaults'})",
        f"{t.steps} steps, batch {t.batch_size}, learning rate {lrs}, "
        f"EMA {t.ema or 'off'}, seed {config.seed}",
        f"{generated} against held-out real data; the baseline column is the same metric "
        "between two disjoint real samples",
    ]
