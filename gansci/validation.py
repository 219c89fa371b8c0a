"""Judge samples by a dataset's domain metrics beside the real-vs-real baseline: the one
implementation behind a run's validation, ``gansci check`` and :func:`check`."""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gansci.config import check_params
from gansci.data import KNOWN_PAIRS, Dataset
from gansci.errors import ConfigError, DataError, GansciError
from gansci.files import atomic_path, atomic_write
from gansci.registry import Registry, get_registry
from gansci.report import MetricValue, write_report


@dataclass
class JudgedSet:
    """Generated samples, the real samples they are judged against, and a second real
    sample (``reference``) judged against the same real ones: the baseline. ``label``
    names a translation direction (``A2B``), empty otherwise."""

    label: str
    generated: Any
    real: Any
    reference: Any


@dataclass
class Report:
    """What a validation found: one :class:`MetricValue` a number, and how it was made."""

    title: str
    rows: list[MetricValue]
    sets: list[JudgedSet] = field(repr=False)
    data: Dataset = field(repr=False)
    registry: Registry = field(repr=False)
    facts: list[str] = field(default_factory=list)  # what was judged against what

    @property
    def verdict(self) -> str:
        """PASS when every target is met, FAIL when one is not, empty with no targets."""
        judged = [r.verdict for r in self.rows if r.verdict]
        return "" if not judged else "FAIL" if "FAIL" in judged else "PASS"

    @property
    def failures(self) -> list[MetricValue]:
        return [r for r in self.rows if r.verdict == "FAIL"]

    def records(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.rows]

    def save(self, folder: str | Path, force: bool = False) -> Path:
        """``folder``/report.md, validation.json and figures/; a folder holding files is
        refused unless ``force``. Returns the report's path."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder}: is a file; give a folder for the report")
        if folder.is_dir() and any(folder.iterdir()) and not force:
            raise ConfigError(f"{folder}: the folder is not empty; choose another or --force")
        out = folder / "report.md"
        self.write(out, folder / "validation.json", folder / "figures")
        return out

    def write(
        self, out: Path, numbers: Path, figures_dir: Path, run_dir: Path | None = None
    ) -> None:
        """The report ``out``, its numbers and its figures, each written atomically;
        ``run_dir``'s training curves join the figures."""
        figures = {}
        for s in self.sets:
            for spec in self.registry.for_domains("figures", self.data.domains):
                path = figures_dir / f"{'-'.join(filter(None, [spec.name, s.label]))}.png"
                with atomic_path(path) as tmp:
                    view = s.label.partition("2")[2] or None
                    call_figure(spec, s.generated, s.real, self.data, str(tmp), view)
                figures[" ".join(filter(None, [spec.description, s.label]))] = path
        atomic_write(numbers, json.dumps(self.records(), indent=1))
        write_report(out, self.title, self.facts, self.rows, figures, figures_dir, run_dir)


def build_dataset(registry: Registry, name: str, params: Mapping[str, Any]) -> Dataset:
    """The dataset ``name`` with ``params`` checked against its factory; a factory's own
    ValueError or OSError becomes a one-line error naming the dataset."""
    spec = registry.get("datasets", name)
    params = check_params(spec.factory, params, "data")
    try:
        return spec.factory(**params)
    except (GansciError, OSError, ValueError) as exc:
        if isinstance(exc, GansciError):
            raise
        raise ConfigError(f"dataset {name!r}: {exc}") from exc


def metric_specs(
    registry: Registry,
    data: Dataset,
    names: Sequence[str],
    where: str,
    domains: Sequence[str] | None = None,
) -> list:
    """The named metrics, each checked to judge the data's ``domains`` (by default the
    dataset's own), or every metric that does (``where`` names the data in errors)."""
    domains = tuple(data.domains if domains is None else domains)
    if not names:
        return registry.for_domains("metrics", domains)
    specs = [registry.get("metrics", n) for n in names]
    for spec in specs:
        if spec.domains and not set(spec.domains) & set(domains):
            raise ConfigError(
                f"metric {spec.name!r} judges {', '.join(spec.domains)} data; {where} "
                f"holds {', '.join(domains)}"
            )
    return specs


def sample_format(registry: Registry, data: Dataset, suffix: str) -> Any:
    """The sample format of this data for a file suffix; an unknown one is an error listing
    the valid ones."""
    formats = registry.for_domains("formats", data.domains)
    for spec in formats:
        if spec.suffix == suffix:
            return spec
    valid = ", ".join(s.suffix for s in formats) or "none"
    raise ConfigError(f"no sample format {suffix!r} for this data; valid: {valid}")


def read_samples(registry: Registry, data: Dataset, path: str | Path) -> Any:
    """Samples in natural form from ``path``, read by the format its suffix names; a
    folder by the format of its files' suffix, else by the data's first format."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such samples file")
    if path.is_dir():
        formats = registry.for_domains("formats", data.domains)
        if not formats:
            raise ConfigError(f"{path}: this data has no sample format to read it with")
        suffixes = {p.suffix.lower() for p in path.iterdir() if p.is_file()}
        samples = next((f for f in formats if f.suffix in suffixes), formats[0]).read(str(path))
    else:
        samples = sample_format(registry, data, path.suffix).read(str(path))
    if len(samples) < 1:
        raise DataError(f"{path}: holds no samples")
    return samples


def check_like(samples: Any, real: Any, where: str = "the samples") -> None:
    """Samples of another shape than the data's are an error, not a deep traceback."""
    arrays = isinstance(samples, np.ndarray) and isinstance(real, np.ndarray)
    if arrays and (samples.ndim != real.ndim or samples.shape[1:] != real.shape[1:]):
        raise DataError(
            f"{where} have shape {samples.shape}; this data's samples have shape "
            f"(n, {', '.join(map(str, real.shape[1:]))})"
        )


def measure(specs: Sequence[Any], sets: Sequence[JudgedSet], data: Dataset, seed: int) -> list:
    """Every metric on each set's generated vs real samples and on its reference vs the
    same real ones (the baseline), each call with a fresh generator of ``seed``, and each
    number's verdict against the metric's declared target."""
    rows = []
    for s in sets:
        for spec in specs:
            name = f"{s.label}.{spec.name}" if s.label else spec.name
            view = s.label.partition("2")[2] or None  # a translation's target view
            value = _as_dict(name, call_metric(spec, s.generated, s.real, data, seed, view))
            base = _as_dict(name, call_metric(spec, s.reference, s.real, data, seed, view))
            for k, v in value.items():
                b = base.get(k, math.nan)
                target = spec.targets.get(k)
                verdict = "" if target is None else "PASS" if target.passes(v, b) else "FAIL"
                rows.append(MetricValue(name, k, v, b, str(target or ""), verdict))
    return rows


def call_metric(
    spec: Any, samples: Any, real: Any, data: Dataset, seed: int, view: str | None = None
) -> Any:
    """A metric's value on ``samples`` vs ``real`` with a fresh generator of ``seed``; a
    metric that declares a ``view`` parameter is told the view they belong to."""
    rng = np.random.default_rng(seed)
    if view is not None and "view" in inspect.signature(spec.fn).parameters:
        return spec.fn(samples, real, data, rng, view=view)
    return spec.fn(samples, real, data, rng)


def call_figure(
    spec: Any, samples: Any, real: Any, data: Dataset, path: str, view: str | None = None
) -> None:
    """Draw a figure at ``path``; one that declares a ``view`` parameter is told the view
    the samples belong to (a translation's target), as :func:`call_metric` tells metrics."""
    if view is not None and "view" in inspect.signature(spec.fn).parameters:
        spec.fn(samples, real, data, path, view=view)
    else:
        spec.fn(samples, real, data, path)


def _as_dict(name: str, value: float | Mapping[str, float]) -> dict[str, float]:
    """A metric's value as {key: float}; anything else is an error naming the metric."""
    items = value.items() if isinstance(value, Mapping) else [(name, value)]
    try:
        return {str(k): float(v) for k, v in items}
    except (TypeError, ValueError):
        raise GansciError(
            f"metric {name!r} returned {value!r:.80}; a metric returns a float or a dict of "
            "floats (fix the metric's function)"
        ) from None


def check(
    samples: Any,
    dataset: str,
    real: Any = None,
    metrics: Sequence[str] | None = None,
    n: int | None = None,
    seed: int = 0,
    data_params: Mapping[str, Any] | None = None,
    direction: str | None = None,
    truth: Any = None,
    registry: Registry | None = None,
) -> Report:
    """Judge ``samples`` (natural form, or a file path read by the dataset's formats) by
    every metric registered for ``dataset``'s domain (or the named ``metrics``).

    Without ``real``, generated samples are judged against ``n`` held-out (test split)
    samples of the dataset and the baseline is ``n`` training samples against the same;
    ``n`` defaults to the most the samples and both splits allow. With ``real`` (natural
    form or a file), it is shuffled by ``seed`` and halved: up to ``n`` of one half are
    the real data, as many of the other the baseline's stand-in. ``n`` also caps the
    generated samples used (the first ``n``). The same inputs and seed give the same
    numbers.

    A dataset of views (a translation's domains) needs the samples' ``direction``
    (``A2B``): they are translations of the dataset's held-out inputs of the source view,
    in order (``gansci export DATASET --view A`` writes them), judged against the
    held-out samples of the target view, which are their true partners where the dataset
    knows its pairs. ``truth`` (natural form or a file) gives those partners, row by row,
    where it does not; ``real`` then replaces the held-out targets, and pair metrics
    are not run."""
    registry = registry or get_registry()
    data = build_dataset(registry, dataset, data_params or {})
    where = f"dataset {dataset!r}"
    directions = [f"{a}2{b}" for a in data.views for b in data.views if a != b]
    if directions and direction not in directions:
        raise ConfigError(
            f"{where} holds translations: name the samples' direction ({', '.join(directions)})"
        )
    if not directions and (direction is not None or truth is not None):
        raise ConfigError(f"{where} holds no translations; direction and truth do not apply")
    if truth is not None and real is not None:
        raise ConfigError("give the true partners (truth) or your own real data, not both")
    view = direction.partition("2")[2] if direction else None
    domains = tuple(d for d in data.domains if real is None or d != KNOWN_PAIRS)
    if truth is not None and KNOWN_PAIRS not in domains:
        domains += (KNOWN_PAIRS,)
    specs = metric_specs(registry, data, metrics or [], where, domains)
    source = f"{samples}" if isinstance(samples, (str, Path)) else "given samples"
    if isinstance(samples, (str, Path)):
        samples = read_samples(registry, data, samples)
    if n is not None and n < 1:
        raise ConfigError(f"n must be at least 1, got {n}")
    if n is not None and n < len(samples):
        samples = _take(samples, np.arange(n))
    n_given = len(samples)
    if truth is not None:
        truth_source = f"{truth}" if isinstance(truth, (str, Path)) else "the given truth"
        if isinstance(truth, (str, Path)):
            truth = read_samples(registry, data, truth)
        if len(truth) < n_given:
            raise DataError(
                f"{truth_source}: {len(truth)} true partners for {n_given} translations; "
                "give one partner per translation, in the same order"
            )
        real_set = _take(truth, np.arange(n_given))
        reference = data.decode(data.split("train", n_given, view=view), view=view)
        n_real = n_given
        against = f"their true partners in {truth_source}"
        baseline = f"{n_given} training samples of view {view} against the same partners"
    elif real is None:
        n_real = min(n_given, data.n_test, data.n_train)
        real_set = data.decode(data.split("test", n_real, view=view), view=view)
        reference = data.decode(data.split("train", n_real, view=view), view=view)
        against = f"{n_real} held-out (test split) samples of `{dataset}`"
        baseline = f"{n_real} of its training samples against the same held-out ones"
    else:
        real_source = f"{real}" if isinstance(real, (str, Path)) else "given real samples"
        if isinstance(real, (str, Path)):
            real = read_samples(registry, data, real)
        half = len(real) // 2
        if half < 1:
            raise DataError(f"{real_source}: needs at least 2 real samples, to halve")
        order = np.random.default_rng(seed).permutation(len(real))
        n_real = min(n_given, half)
        real_set, reference = (_take(real, order[i * half : i * half + n_real]) for i in (0, 1))
        against = f"{n_real} of the real samples in {real_source} (shuffled by seed {seed})"
        baseline = f"{n_real} others of them against the same"
    what = source
    if view is not None:
        against += f", of view {view}"
        what += f": translations of the first {n_given} held-out inputs of view "
        what += f"{direction.partition('2')[0]}"
    check_like(samples, real_set, source)
    sets = [JudgedSet(direction or "", samples, real_set, reference)]
    facts = [
        f"{n_given} generated samples ({what}) against {against}; the baseline column is "
        f"{baseline}",
        f"dataset `{dataset}`"
        + (f" ({', '.join(f'{k}={v}' for k, v in data_params.items())})" if data_params else "")
        + f", metrics seeded with {seed}",
    ]
    rows = measure(specs, sets, data, seed)
    return Report(f"Check: {source} as `{dataset}`", rows, sets, data, registry, facts)


def _take(samples: Any, index: np.ndarray) -> Any:
    """The samples at ``index`` of an array, tensor or list."""
    if isinstance(samples, np.ndarray) or hasattr(samples, "index_select"):
        return samples[index]
    return [samples[i] for i in index]


def export(
    dataset: str,
    path: str | Path,
    split: str = "test",
    view: str | None = None,
    n: int | None = None,
    data_params: Mapping[str, Any] | None = None,
    force: bool = False,
    registry: Registry | None = None,
) -> int:
    """Write the first ``n`` (all by default) samples of ``dataset``'s ``split`` in their
    own units to ``path``, in the sample format its suffix names, atomically: the held-out
    inputs another model translates for :func:`check`, or the real data it is judged
    against. An existing ``path`` is refused unless ``force``. Returns the count."""
    registry = registry or get_registry()
    data = build_dataset(registry, dataset, data_params or {})
    where = f"dataset {dataset!r}"
    if split not in ("train", "test"):
        raise ConfigError(f"split must be train or test, got {split!r}")
    if data.views and view not in data.views:
        raise ConfigError(f"{where} has views {', '.join(data.views)}: name the one to export")
    if not data.views and view is not None:
        raise ConfigError(f"{where} has no views; got view {view!r}")
    if n is not None and n < 1:
        raise ConfigError(f"n must be at least 1, got {n}")
    path = Path(path)
    spec = sample_format(registry, data, path.suffix)
    if path.exists() and not force:
        raise ConfigError(f"{path}: exists; choose another path or --force")
    samples = data.decode(data.split(split, n, view=view), view=view)
    with atomic_path(path) as tmp:
        spec.write(samples, str(tmp))
    return len(samples)
