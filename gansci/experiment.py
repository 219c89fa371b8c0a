"""An experiment: recipe + overrides -> components -> game -> trainer -> run folder."""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils._pytree import tree_flatten
from tqdm.auto import tqdm

from gansci.config import ExperimentConfig, check_params, merge
from gansci.data import Dataset
from gansci.engine import checkpoint
from gansci.engine.game import Game
from gansci.engine.trainer import Trainer
from gansci.errors import CheckpointError, ConfigError, GansciError
from gansci.nets.mlp import spectral_norm_all
from gansci.nets.packing import Packed, PackedView
from gansci.registry import Registry, get_registry

log = logging.getLogger(__name__)


@dataclass
class MetricValue:
    """One number of a metric on generated data, beside the same number on real data."""

    metric: str
    key: str
    value: float
    baseline: float


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device={name!r} but CUDA is not available here; use auto or cpu")
    if name != "cpu" and not name.startswith("cuda"):
        raise ConfigError(f"device: unknown device {name!r}; valid: auto, cpu, cuda, cuda:N")
    return torch.device(name)


class Experiment:
    """One experiment and its run folder; builds its components on first use."""

    def __init__(
        self,
        config: ExperimentConfig,
        run_dir: str | Path | None = None,
        registry: Registry | None = None,
    ):
        self.config = config
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.registry = registry or get_registry()
        self.device = resolve_device(config.device)
        self._data: Dataset | None = None
        self._game: Game | None = None
        self._params = self._check()

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_recipe(
        cls,
        recipe: str,
        seed: int = 0,
        device: str | None = None,
        out: str | Path | None = None,
        overrides: Mapping[str, Any] | None = None,
        **sections: Any,
    ) -> Experiment:
        """A recipe with overrides: section tables (``train={"steps": 500}``), dotted keys
        (``**{"train.steps": 500}``) or a mapping of either (``overrides=``, from ``--set``)."""
        spec = get_registry().get("recipes", recipe)
        clash = {"seed", "device"} & set(overrides or {})
        if clash:
            raise ConfigError(f"give {' and '.join(sorted(clash))} as --seed/--device, not --set")
        raw = merge(spec.config, {"recipe": recipe, "seed": seed})
        if device is not None:
            raw["device"] = device
        raw = merge(merge(raw, overrides or {}), sections)
        return cls(ExperimentConfig.from_dict(raw, where=f"recipe {recipe!r}"), out)

    @classmethod
    def load(cls, run_dir: str | Path, **overrides: Any) -> Experiment:
        """A finished or interrupted run, rebuilt from its folder's config.toml."""
        run_dir = Path(run_dir)
        path = run_dir / "config.toml"
        if not path.is_file():
            raise CheckpointError(f"{run_dir}: not a gansci run folder (no config.toml)")
        cfg = ExperimentConfig.from_toml(path)
        if overrides:
            cfg = ExperimentConfig.from_dict(merge(cfg.to_dict(), overrides), where=str(path))
        return cls(cfg, run_dir)

    def _check(self) -> dict[str, dict[str, Any]]:
        """Resolve every named component and check its parameters before any work."""
        cfg, reg = self.config, self.registry
        checked = {}
        for section, kind, skip in [
            ("data", "datasets", 0),
            ("generator", "generators", 1),
            ("discriminator", "discriminators", 1),
            ("game", "games", 3),
        ]:
            component = getattr(cfg, section)
            if not component.name:
                raise ConfigError(f"[{section}] needs a name; known {kind}: {reg.names(kind)}")
            spec = reg.get(kind, component.name)
            checked[section] = check_params(spec.factory, component.params, section, skip)
        m = cfg.discriminator.packing
        if m < 1 or cfg.train.batch_size % m:
            raise ConfigError(
                f"discriminator.packing={m} must be at least 1 and divide "
                f"train.batch_size={cfg.train.batch_size}"
            )
        t = cfg.train
        for key in ("steps", "batch_size", "log_every", "checkpoint_every", "keep_checkpoints"):
            if getattr(t, key) < 1:
                raise ConfigError(f"train.{key} must be at least 1, got {getattr(t, key)}")
        if t.select_mode not in ("min", "max"):
            raise ConfigError(f"train.select_mode must be min or max, got {t.select_mode!r}")
        if t.select_metric and not t.eval_every:
            raise ConfigError("train.select_metric needs evaluations: set train.eval_every")
        unknown = set(cfg.validate.metrics + cfg.train.eval_metrics) - set(reg.names("metrics"))
        if unknown:
            raise ConfigError(
                f"unknown metric(s) {sorted(unknown)}; known metrics: {reg.names('metrics')}"
            )
        return checked

    @property
    def data(self) -> Dataset:
        if self._data is None:
            spec = self.registry.get("datasets", self.config.data.name)
            try:
                data = spec.factory(**self._params["data"])
            except (GansciError, OSError, ValueError) as exc:
                if isinstance(exc, GansciError):
                    raise
                raise ConfigError(f"dataset {spec.name!r}: {exc}") from exc
            self._data = data.to(self.device)
        return self._data

    def _make_generator(self) -> nn.Module:
        spec = self.registry.get("generators", self.config.generator.name)
        return spec.factory(self.data, **self._params["generator"])

    def _make_discriminator(self) -> nn.Module:
        cfg = self.config.discriminator
        spec = self.registry.get("discriminators", cfg.name)
        m = cfg.packing
        D = spec.factory(
            PackedView(self.data, m) if m > 1 else self.data, **self._params["discriminator"]
        )
        if cfg.spectral_norm:
            spectral_norm_all(D)
        return Packed(D, m) if m > 1 else D

    @property
    def game(self) -> Game:
        if self._game is None:
            torch.manual_seed(self.config.seed)  # the same seed builds the same weights
            spec = self.registry.get("games", self.config.game.name)
            game = spec.factory(
                self.data, self._make_generator, self._make_discriminator, **self._params["game"]
            )
            game.enable_ema(self.config.train.ema)
            self._game = game.to(self.device)
            last = self._latest_checkpoint()
            best = self.run_dir / "checkpoints" / checkpoint.BEST if self.run_dir else None
            if self.config.train.select_metric and best is not None and best.is_file():
                last = best  # sampling and validation use the selected weights
            if last is not None:
                state = checkpoint.load(last, self.device)
                self._game.load_state_dict(state["game"])
                log.info("loaded weights from %s", last)
        return self._game

    def _latest_checkpoint(self) -> Path | None:
        return checkpoint.latest(self.run_dir / "checkpoints") if self.run_dir else None

    # -- training ---------------------------------------------------------------------------

    def run(self, validate: bool = True) -> Experiment:
        """Train from scratch into the run folder, then (by default) validate."""
        if self.run_dir is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.run_dir = (
                Path("runs") / f"{self.config.recipe or 'run'}-seed{self.config.seed}-{stamp}"
            )
        if self._latest_checkpoint() is not None:
            raise ConfigError(
                f"{self.run_dir} already holds a run; continue it with `gansci resume "
                f"{self.run_dir}` or choose another --out"
            )
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.config.write(self.run_dir / "config.toml")
        (self.run_dir / "metrics.jsonl").unlink(missing_ok=True)
        return self._fit(resume=None, validate=validate)

    def resume(self, validate: bool = True) -> Experiment:
        """Continue from the last checkpoint up to ``config.train.steps``."""
        last = self._latest_checkpoint()
        if last is None:
            raise CheckpointError(f"{self.run_dir}: no checkpoint to resume from")
        self.config.write(self.run_dir / "config.toml")
        return self._fit(resume=last, validate=validate)

    def _fit(self, resume: Path | None, validate: bool) -> Experiment:
        trainer = Trainer(
            self.config.train,
            self.run_dir,
            seed=self.config.seed,
            evaluate=self._evaluate,
        )
        trainer.fit(self.game, self.data, resume=resume)
        samples = self.sample(1000, seed=self.config.validate.seed)
        self.write_samples(samples, self.run_dir / "samples" / f"step-{trainer.step:07d}")
        if validate:
            self.validate()
        return self

    # -- sampling ---------------------------------------------------------------------------

    def generate(self, n: int, seed: int | None = None) -> Any:
        """``n`` fake samples as a model batch; the same seed gives the same batch."""
        if n < 1:
            raise ConfigError(f"number of samples must be at least 1, got {n}")
        g = torch.Generator().manual_seed(self.config.seed if seed is None else seed)
        return self.game.generate(n, g)

    def sample(self, n: int, seed: int | None = None) -> Any:
        """``n`` generated samples in the domain's natural form (arrays, sequences, ...)."""
        g = torch.Generator().manual_seed(self.config.seed if seed is None else seed)
        batch = self.game.generate(n, g)
        return self.data.decode(batch, generator=g)

    def _format(self, suffix: str) -> Any:
        formats = self.registry.for_domains("formats", self.data.domains)
        for spec in formats:
            if spec.suffix == suffix:
                return spec
        valid = ", ".join(s.suffix for s in formats) or "none"
        raise ConfigError(f"no sample format {suffix!r} for this data; valid: {valid}")

    def write_samples(self, samples: Any, path: str | Path) -> Path:
        """Write samples in the format named by ``path``'s suffix (the domain's first
        format when it has none)."""
        path = Path(path)
        if not path.suffix:
            fmt = self.registry.for_domains("formats", self.data.domains)[0]
            path = path.with_suffix(fmt.suffix)
        fmt = self._format(path.suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        fmt.write(samples, str(path))
        return path

    def read_samples(self, path: str | Path) -> Any:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: no such samples file")
        return self._format(path.suffix).read(str(path))

    # -- validation -------------------------------------------------------------------------

    def _metric_specs(self, names: list[str]) -> list[Any]:
        if names:
            return [self.registry.get("metrics", n) for n in names]
        return self.registry.for_domains("metrics", self.data.domains)

    def _evaluate(self, game: Game, step: int) -> dict[str, float]:
        """Diagnostics every ``train.eval_every`` steps: samples of a fixed set of latents
        (saved, and drawn where the domain has a figure), their spread against the real
        data's (a collapse warning below ``train.collapse_ratio``), and
        ``train.eval_metrics`` without baselines."""
        data, cfg = self.data, self.config
        n = min(cfg.validate.n_samples, data.n_test)
        g = torch.Generator().manual_seed(cfg.validate.seed)  # the same latents every time
        fake_batch = game.generate(n, g)
        real_batch = data.split("test", n)
        ratio = _spread(fake_batch) / max(_spread(real_batch), 1e-12)
        out = {"spread_ratio": ratio}
        if ratio < cfg.train.collapse_ratio:
            log.warning(
                "step %d: possible mode collapse: the spread of the fixed latents' samples is "
                "%.3g of the real data's", step, ratio,
            )  # fmt: skip
        fake, real = data.decode(fake_batch, generator=g), data.decode(real_batch)
        if self.run_dir is not None:
            self.write_samples(fake, self.run_dir / "samples" / f"step-{step:07d}")
            figures = self.registry.for_domains("figures", data.domains)
            if figures:
                path = self.run_dir / "figures" / "steps" / f"step-{step:07d}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                figures[0].fn(fake, real, data, str(path))
        for name in cfg.train.eval_metrics:
            spec = self.registry.get("metrics", name)
            values = _as_dict(spec.name, spec.fn(fake, real, data, np.random.default_rng(0)))
            out.update({f"{spec.name}.{k}": v for k, v in values.items()})
        return out

    def validate(self, samples: Any = None, write_report: bool = True) -> list[MetricValue]:
        """Every metric of the data's domains on generated vs held-out real samples, each
        beside its real-vs-real baseline (training vs held-out samples of equal size)."""
        data, cfg = self.data, self.config.validate
        n = min(cfg.n_samples, data.n_test, data.n_train)
        if samples is None:
            samples = self.sample(cfg.n_samples, seed=cfg.seed)
        real = data.decode(data.split("test", n))
        reference = data.decode(data.split("train", n))
        rows: list[MetricValue] = []
        specs = self._metric_specs(cfg.metrics)
        for spec in tqdm(specs, desc="validate", disable=not sys.stderr.isatty(), leave=False):
            value = _as_dict(
                spec.name, spec.fn(samples, real, data, np.random.default_rng(cfg.seed))
            )
            base = _as_dict(
                spec.name, spec.fn(reference, real, data, np.random.default_rng(cfg.seed))
            )
            rows += [MetricValue(spec.name, k, v, base.get(k, math.nan)) for k, v in value.items()]
        if write_report and self.run_dir is not None:
            from gansci.report import write_report

            figures = {}
            for spec in self.registry.for_domains("figures", data.domains):
                path = self.run_dir / "figures" / f"{spec.name}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                spec.fn(samples, real, data, str(path))
                figures[spec.description] = path
            (self.run_dir / "validation.json").write_text(
                json.dumps([asdict(r) for r in rows], indent=1)
            )
            write_report(self.run_dir, self.config, rows, figures)
        return rows


def _spread(batch: Any) -> float:
    """Mean pairwise distance between (up to 1,000) samples of a batch, all float leaves."""
    leaves = [t.flatten(1).float() for t in tree_flatten(batch)[0] if t.is_floating_point()]
    x = torch.cat(leaves, 1)[:1000]
    return float(torch.pdist(x).mean())


def _as_dict(name: str, value: float | Mapping[str, float]) -> dict[str, float]:
    if isinstance(value, Mapping):
        return {k: float(v) for k, v in value.items()}
    return {name: float(value)}
