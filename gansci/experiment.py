"""An experiment: recipe + overrides -> components -> game -> trainer -> run folder."""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import tomli_w
import torch
from torch import nn
from torch.utils._pytree import tree_flatten

from gansci.config import ExperimentConfig, check_params, merge, migrate
from gansci.data import Dataset
from gansci.engine import checkpoint, distributed
from gansci.engine.game import Game, GameContext
from gansci.engine.player import check_settings, reached_factor
from gansci.engine.trainer import Trainer
from gansci.errors import CheckpointError, ConfigError, DataError, GansciError
from gansci.files import RunLock, atomic_path, atomic_write, busy_error, holder, writable_parent
from gansci.nets.mlp import spectral_norm_all
from gansci.nets.packing import Packed, PackedView
from gansci.registry import Registry, get_registry
from gansci.report import MetricValue, run_facts
from gansci.validation import (
    JudgedSet,
    Report,
    _as_dict,
    build_dataset,
    call_figure,
    call_metric,
    check_like,
    measure,
    metric_specs,
    read_samples,
    sample_format,
)

log = logging.getLogger(__name__)

#: What ``resume`` may change: everything else was built into the checkpoint.
RESUMABLE = (
    "train.steps",
    "train.log_every",
    "train.eval_every",
    "train.checkpoint_every",
    "train.keep_checkpoints",
    "train.progress",
    "device",
)
NORMALIZATION = "normalization.json"
#: What a run writes into its folder; ``run(force=True)`` removes these and nothing else.
OUTPUTS = (
    "config.toml",
    NORMALIZATION,
    "metrics.jsonl",
    "checkpoints",
    "samples",
    "figures",
    "report.md",
    "validation.json",
)


def resolve_device(name: str) -> torch.device:
    """The device ``name`` means here; under torchrun, "auto" and "cuda" mean this
    process's own GPU (``cuda:LOCAL_RANK``)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device={name!r} but CUDA is not available here; use auto or cpu")
    if name != "cpu" and not name.startswith("cuda"):
        raise ConfigError(f"device: unknown device {name!r}; valid: auto, cpu, cuda, cuda:N")
    if name == "cuda" and distributed.launched():
        return torch.device("cuda", distributed.local_rank())
    return torch.device(name)


class Experiment:
    """One experiment and its run folder.

    Constructing it resolves and checks the whole config against the registry (nothing
    is built or written); ``data`` and ``game`` build the components on first use, with
    no other effect; :meth:`load` also restores a run's weights.
    """

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
        self._stored_normalization: list[dict[str, Any]] | None = None
        self.data_changed = ""  # how the data differs from the stored normalisation's
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
        registry: Registry | None = None,
        **sections: Any,
    ) -> Experiment:
        """A recipe with overrides: section tables (``train={"steps": 500}``), dotted keys
        (``**{"train.steps": 500}``) or a mapping of either (``overrides=``, from ``--set``)."""
        registry = registry or get_registry()
        spec = registry.get("recipes", recipe)
        clash = {"seed", "device"} & set(overrides or {})
        if clash:
            raise ConfigError(f"give {' and '.join(sorted(clash))} as --seed/--device, not --set")
        raw = merge(migrate(spec.config), {"recipe": recipe, "seed": seed})
        if device is not None:
            raw["device"] = device
        raw = merge(merge(raw, migrate(overrides or {})), migrate(sections))
        return cls(ExperimentConfig.from_dict(raw, where=f"recipe {recipe!r}"), out, registry)

    @classmethod
    def load(
        cls, run_dir: str | Path, registry: Registry | None = None, **overrides: Any
    ) -> Experiment:
        """A finished or interrupted run, rebuilt from its folder's config.toml, with the
        weights sampling uses (the selected ones under ``train.select_metric``, else the
        last checkpoint's) restored, and the data standardised as stored in the folder's
        normalization.json (a warning says if the data has changed since)."""
        run_dir = Path(run_dir)
        path = run_dir / "config.toml"
        if not path.is_file():
            raise CheckpointError(f"{run_dir}: not a gansci run folder (no config.toml)")
        cfg = ExperimentConfig.from_toml(path)
        if overrides:
            cfg = ExperimentConfig.from_dict(merge(cfg.to_dict(), migrate(overrides)), str(path))
        exp = cls(cfg, run_dir, registry)
        exp._stored_normalization = read_normalization(run_dir)
        exp.restore()
        return exp

    def _check(self) -> dict[str, Any]:
        """Resolve every named component and check its parameters before any work."""
        cfg, reg = self.config, self.registry
        checked: dict[str, Any] = {}
        if not cfg.data.name:
            raise ConfigError(f"[data] needs a name; known datasets: {reg.names('datasets')}")
        data_factory = reg.get("datasets", cfg.data.name).factory
        if "path" in cfg.data.params and "path" not in inspect.signature(data_factory).parameters:
            readers = [
                n for n in reg.names("datasets")
                if "path" in inspect.signature(reg.get("datasets", n).factory).parameters
            ]  # fmt: skip
            raise ConfigError(
                f"data.path: dataset {cfg.data.name!r} reads no file; choose one that does with "
                f"--set data.name=NAME ({', '.join(readers)})"
            )
        checked["data"] = check_params(data_factory, cfg.data.params, "data")
        if not cfg.game.name:
            raise ConfigError(f"[game] needs a name; known games: {reg.names('games')}")
        game_cls = reg.get("games", cfg.game.name).factory
        checked["game"] = game_cls.Options(
            **check_params(game_cls.Options, cfg.game.params, "game")
        )
        roles = game_cls.roles
        unknown = sorted(set(cfg.networks) - set(roles))
        missing = sorted(set(roles) - set(cfg.networks))
        where = f"game {cfg.game.name!r}"
        if unknown:
            raise ConfigError(
                f"[networks.{unknown[0]}]: {where} has no role {unknown[0]!r}; "
                f"its roles: {', '.join(roles) or 'none'}"
            )
        if missing:
            raise ConfigError(
                f"{where} needs a [networks.{missing[0]}] section (a {roles[missing[0]][:-1]}); "
                f"its roles: {', '.join(roles)}"
            )
        for role, net in cfg.networks.items():
            section = f"networks.{role}"
            if net.share:
                if net.share not in roles or cfg.networks[net.share].share:
                    raise ConfigError(
                        f"{section}.share={net.share!r} must name a role that is not shared "
                        f"itself; roles: {', '.join(roles)}"
                    )
                if roles[net.share] != roles[role]:
                    raise ConfigError(f"{section}.share: {net.share} is not a {roles[role][:-1]}")
                continue
            kind = roles[role]
            if not net.name:
                raise ConfigError(f"[{section}] needs a name; known {kind}: {reg.names(kind)}")
            spec = reg.get(kind, net.name)
            checked[section] = check_params(spec.factory, net.params, section, 1)
            if net.packing < 1 or cfg.train.batch_size % net.packing:
                raise ConfigError(
                    f"{section}.packing={net.packing} must be at least 1 and divide "
                    f"train.batch_size={cfg.train.batch_size}"
                )
            if net.packing > 1 and kind != "discriminators":
                raise ConfigError(f"{section}.packing: only a discriminator judges packed samples")
        t = cfg.train
        for key in ("steps", "batch_size", "checkpoint_every", "keep_checkpoints"):
            if getattr(t, key) < 1:
                raise ConfigError(f"train.{key} must be at least 1, got {getattr(t, key)}")
        k = distributed.processes()
        if t.batch_size % k or any(t.batch_size // k % n.packing for n in cfg.networks.values()):
            raise ConfigError(
                f"train.batch_size={t.batch_size} is the batch of all {k} processes together: "
                f"give a multiple of {k} times every network's packing"
            )
        if cfg.validate.n_samples < 1:
            n = cfg.validate.n_samples
            raise ConfigError(f"validate.n_samples must be at least 1, got {n}")
        zeros = {
            "log_every": "steps // 100",
            "eval_every": "off",
            "patience": "off",
            "threads": "torch's default",
        }
        for key, zero in zeros.items():
            if getattr(t, key) < 0:
                raise ConfigError(f"train.{key} must be >= 0 (0: {zero}), got {getattr(t, key)}")
        if not 0 <= t.collapse_ratio < math.inf:
            raise ConfigError(f"train.collapse_ratio must be a number >= 0, got {t.collapse_ratio}")
        if not 0 <= t.ema < 1:
            raise ConfigError(f"train.ema must be in [0, 1), got {t.ema}")
        check_settings(t.player(""), t.optimizer, "train")
        for name in t.players:
            check_settings(t.player(name), t.optimizer, f"train.players.{name}")
        if t.capture not in ("none", "graphs"):
            raise ConfigError(f"train.capture must be none or graphs, got {t.capture!r}")
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
            data = build_dataset(self.registry, self.config.data.name, self._params["data"])
            if self._stored_normalization is not None:
                self.data_changed = data.adopt_normalization(self._stored_normalization)
                if self.data_changed:
                    log.warning(
                        "%s: the data differs from what this run was trained on (%s); "
                        "samples use the stored normalisation", self.run_dir, self.data_changed,
                    )  # fmt: skip
            self._data = data.to(self.device)
        return self._data

    def network(self, role: str) -> nn.Module:
        """A fresh network for ``role`` from its ``[networks.<role>]`` section."""
        cfg = self.config.networks[role]
        kind = self._game_class().roles[role]
        spec = self.registry.get(kind, cfg.name)
        m = cfg.packing
        net = spec.factory(
            PackedView(self.data, m) if m > 1 else self.data, **self._params[f"networks.{role}"]
        )
        if cfg.spectral_norm:
            spectral_norm_all(net)
        return Packed(net, m, self.data.kinds) if m > 1 else net

    def _game_class(self) -> type[Game]:
        return self.registry.get("games", self.config.game.name).factory

    def context(self) -> GameContext:
        """The game's building context: networks by role (shared where configured) and
        the losses, penalties and augmentations of this experiment's registry."""
        reg, data = self.registry, self.data
        built: dict[str, nn.Module] = {}

        def network(role: str) -> nn.Module:
            net_cfg = self.config.networks[role]
            if net_cfg.share:
                return network(net_cfg.share)
            if role not in built:
                built[role] = self.network(role)
            return built[role]

        def augmentation(name: str) -> Any:
            spec = reg.get("augmentations", name)
            if spec.domains and not set(spec.domains) & set(data.domains):
                raise ConfigError(
                    f"augmentation {name!r} is for {spec.domains}, not {data.domains}"
                )
            return spec.factory(data)

        return GameContext(
            data=data,
            network=network,
            losses=lambda name: reg.get("losses", name).factory(),
            penalties=lambda name: reg.get("penalties", name).factory(),
            augmentations=augmentation,
        )

    @property
    def game(self) -> Game:
        """The game, built on first use from the config (fresh weights of the config's
        seed); building has no other effect."""
        if self._game is None:
            torch.manual_seed(self.config.seed)  # the same seed builds the same weights
            game = self._game_class().build(self.context(), self._params["game"])
            players = sorted(game.players())
            unknown = sorted(set(self.config.train.players) - set(players))
            if unknown:
                raise ConfigError(
                    f"train.players.{unknown[0]}: game {self.config.game.name!r} has no player "
                    f"{unknown[0]!r}; its players: {', '.join(players)}"
                )
            game.enable_ema(self.config.train.ema)
            self._game = game.to(self.device)
        return self._game

    def restore(self) -> Path | None:
        """Load the weights sampling uses from the run folder into the game: the selected
        ones under ``train.select_metric``, else the last checkpoint's; None if there are
        none yet."""
        last = self._latest_checkpoint()
        best = self.run_dir / "checkpoints" / checkpoint.BEST if self.run_dir else None
        if self.config.train.select_metric and best is not None and best.is_file():
            last = best
        if last is not None:
            state = checkpoint.load(last, self.device)
            try:
                self.game.load_state_dict(state["game"])
            except RuntimeError as exc:
                lines = str(exc).splitlines()
                raise CheckpointError(
                    f"{last}: its weights do not fit the networks of {self.run_dir}/config.toml "
                    f"({lines[1].strip() if len(lines) > 1 else exc})"
                ) from None
            log.info("loaded weights from %s", last)
        return last

    def _latest_checkpoint(self) -> Path | None:
        return checkpoint.latest(self.run_dir / "checkpoints") if self.run_dir else None

    # -- training ---------------------------------------------------------------------------

    def run(self, validate: bool = True, force: bool = False) -> Experiment:
        """Train from scratch into the run folder, then (by default) validate. A folder
        that is not empty is refused unless ``force``, which replaces a previous run's
        outputs there (:data:`OUTPUTS`) and leaves any other file alone."""
        distributed.init(self.device)
        self.run_dir = _main_first(lambda: self._check_new_run(force) or self.run_dir)
        if not distributed.is_main():  # under torchrun: trains alongside, writes nothing
            return self._fit(resume=None, validate=False)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with RunLock(self.run_dir):
            self._create_run_dir(force)
            return self._fit(resume=None, validate=validate)

    def _check_new_run(self, force: bool = False) -> None:
        """Name the run folder if unnamed, refuse one that is busy or not empty (unless
        ``force``), build the game: everything checked before the first file is written."""
        if self.run_dir is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self.run_dir = (
                Path("runs") / f"{self.config.recipe or 'run'}-seed{self.config.seed}-{stamp}"
            )
        self._check_out_dir(force)
        _ = self.game
        self._check_batch_fits()

    def _check_batch_fits(self) -> None:
        """A batch whose data alone exceed this machine's memory is refused before the first
        write, not met as an allocation failure after it (a tight fit is not predicted)."""
        per_sample = sum(t[0].numel() * t.element_size() for t in tree_flatten(self.data.train)[0])
        size, memory = self.config.train.batch_size * per_sample, _memory_bytes()
        if size > memory:
            raise ConfigError(
                f"train.batch_size={self.config.train.batch_size}: one batch of the data alone "
                f"takes {size / 1e9:.3g} GB, more than this machine's {memory / 1e9:.3g} GB"
            )

    def _create_run_dir(self, force: bool = False) -> None:
        """The run folder's first files: config.toml and normalization.json (a previous
        run's outputs removed first when ``force``)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        for name in OUTPUTS if force else ():
            _remove(self.run_dir / name)
        self.config.write(self.run_dir / "config.toml")
        write_normalization(self.run_dir, self.data)
        (self.run_dir / "metrics.jsonl").unlink(missing_ok=True)

    def _check_out_dir(self, force: bool) -> None:
        out = self.run_dir
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out}: is a file, not a folder; choose a folder")
        refused = writable_parent(out / "config.toml")
        if refused is not None:
            raise ConfigError(f"--out {out}: cannot write into {refused}")
        pid = holder(out)
        if pid is not None:
            raise busy_error(out, pid)
        if force or not out.exists() or not any(out.iterdir()):
            return
        if self._latest_checkpoint() is not None:
            raise ConfigError(
                f"{out} already holds a run; continue it with `gansci resume {out}`, choose "
                "another --out, or pass --force to replace it"
            )
        raise ConfigError(
            f"--out {out}: the folder is not empty; choose a new or empty folder, or pass "
            "--force to train into it"
        )

    def resume(self, validate: bool = True) -> Experiment:
        """Continue from the last checkpoint up to ``config.train.steps``. Only the
        :data:`RESUMABLE` fields may differ from the folder's config.toml; every change is
        checked against the checkpoint before config.toml is rewritten. A linear schedule
        extended to more steps decays from the factor it had reached to zero at the new
        last step."""
        distributed.init(self.device)
        last = _main_first(self._last_to_resume)
        if not distributed.is_main():
            return self._fit(resume=last, validate=False)
        with RunLock(self.run_dir):
            if self._latest_checkpoint() != last:
                raise CheckpointError(
                    f"{self.run_dir}: its last checkpoint changed while resume was checking it; "
                    "run resume again"
                )
            self.config.write(self.run_dir / "config.toml")
            return self._fit(resume=last, validate=validate)

    def _last_to_resume(self) -> Path:
        """The checkpoint resume continues from, checked with every change resume makes."""
        last = self._latest_checkpoint()
        if last is None:
            raise CheckpointError(f"{self.run_dir}: no checkpoint to resume from")
        self._check_resume(checkpoint.load(last, self.device), last)
        return last

    def _check_resume(self, state: dict[str, Any], last: Path) -> None:
        """Every change a resume makes, checked against the folder and the checkpoint."""
        stored = ExperimentConfig.from_toml(self.run_dir / "config.toml").to_dict()
        check_resumable(_changed_keys(stored, self.config.to_dict()))
        done, steps = int(state["step"]), self.config.train.steps
        if steps < done:
            raise ConfigError(
                f"train.steps={steps} is fewer than the {done} steps {self.run_dir} has "
                f"already trained; give train.steps >= {done}"
            )
        for name, schedule in state.get("schedulers", {}).items():
            lr = self.config.train.player(name).lr
            if any(base != lr for base in schedule.get("base_lrs", [lr])):
                raise ConfigError(
                    f"train.players.{name}.lr: config.toml says {lr:g}, the checkpoint was "
                    f"trained with {schedule['base_lrs'][0]:g}; the learning rate cannot "
                    "change on resume"
                )
            if steps > done and reached_factor(schedule, done) == 0:
                raise ConfigError(
                    f"train.steps={steps}: player {name}'s linear learning-rate schedule reached "
                    f"zero at step {done}, so more steps would not move its weights; start a "
                    "new run with more steps instead"
                )
        try:
            self.game.load_state_dict(state["game"])
        except RuntimeError as exc:
            raise CheckpointError(
                f"{last}: its weights do not fit the networks of {self.run_dir}/config.toml"
            ) from exc
        if self.data_changed:
            raise DataError(
                f"{self.run_dir}: the data differs from what this run was trained on "
                f"({self.data_changed}); resuming would train on other data"
            )

    def _fit(self, resume: Path | None, validate: bool) -> Experiment:
        trainer = self._trainer()
        trainer.fit(self.game, self.data, resume=resume)
        if not distributed.is_main():
            return self
        return self._finish(trainer.step, validate)

    def _trainer(self) -> Trainer:
        return Trainer(self.config.train, self.run_dir, self.config.seed, self._evaluate)

    def _finish(self, step: int, validate: bool) -> Experiment:
        """After training to ``step``: the final samples, then (if asked) validation."""
        folder = self.run_dir / "samples"
        for label, fake, _, _ in self._validation_sets(1000):
            self.write_samples(fake, folder / "-".join(filter(None, [f"step-{step:07d}", label])))
        if validate:
            self.validate()
        return self

    # -- sampling ---------------------------------------------------------------------------

    def generate(self, n: int, seed: int | None = None) -> Any:
        """``n`` fake samples as a model batch; the same seed gives the same batch."""
        if n < 1:
            raise ConfigError(f"number of samples must be at least 1, got {n}")
        g = torch.Generator().manual_seed(self.config.seed if seed is None else seed)
        return self.game.generate(n, generator=g)

    def sample(self, n: int, seed: int | None = None, standardized: bool = False) -> Any:
        """``n`` generated samples in the domain's natural form (arrays, sequences, ...) and
        the data's own units; ``standardized``: in the units the model works in."""
        if n < 1:
            raise ConfigError(f"number of samples must be at least 1, got {n}")
        g = torch.Generator().manual_seed(self.config.seed if seed is None else seed)
        batch = self.game.generate(n, generator=g)
        return self._decode(batch, g, None, standardized)  # the latents' stream, continued

    def _decode(self, batch: Any, g: torch.Generator, view: str | None, standardized: bool) -> Any:
        if standardized and self.data.scales:  # data that is not standardised: as it is
            return self.data.decode(batch, generator=g, view=view, standardized=True)
        return self.data.decode(batch, generator=g, view=view)

    def translate(
        self,
        x: Any,
        direction: str | None = None,
        seed: int | None = None,
        standardized: bool = False,
    ) -> Any:
        """Samples ``x`` of the direction's source view (natural form, e.g. read from a
        file) translated into its target view, in natural form (``standardized``: in the
        model's units)."""
        game, data = self.game, self.data
        direction = direction or (game.directions[0] if game.directions else "")
        if direction not in game.directions:
            valid = ", ".join(game.directions) or "none: this game does not translate"
            raise ConfigError(f"unknown direction {direction!r}; valid: {valid}")
        source, _, target = direction.partition("2")
        g = torch.Generator().manual_seed(self.config.seed if seed is None else seed)
        with torch.no_grad():
            out = game.translate(data.encode(x, view=source), direction)
        return self._decode(out, g, target, standardized)

    def sample_format(self, suffix: str) -> Any:
        """The sample format for a file suffix; an unknown one is an error listing those
        this data has."""
        return sample_format(self.registry, self.data, suffix)

    def sample_path(self, path: str | Path) -> Path:
        """``path`` with the domain's first format's suffix when it has none; a suffix of no
        format of this data is an error."""
        path = Path(path)
        if not path.suffix:
            formats = self.registry.for_domains("formats", self.data.domains)
            if not formats:
                raise ConfigError(
                    f"no sample format is registered for {', '.join(self.data.domains)} data; "
                    "its plugin must register one (hook gansci_formats)"
                )
            path = path.with_suffix(formats[0].suffix)
        self.sample_format(path.suffix)
        return path

    def write_samples(self, samples: Any, path: str | Path, flags: Iterable[str] = ()) -> Path:
        """Write samples atomically in the format named by ``path``'s suffix (the domain's
        first format when it has none), with the writer's ``flags`` (``FormatSpec.flags``)
        switched on; a flag the format lacks is an error."""
        path = self.sample_path(path)
        fmt = self.check_flags(path, flags)
        with atomic_path(path) as tmp:
            fmt.write(samples, str(tmp), **dict.fromkeys(flags, True))
        return path

    def check_flags(self, path: Path, flags: Iterable[str]) -> Any:
        """The format of ``path``'s suffix, after checking that it has every one of
        ``flags``: a flag it lacks is an error naming the options it has."""
        fmt = self.sample_format(path.suffix)
        for flag in flags:
            if flag not in fmt.flags:
                offered = ", ".join(f"--{f}" for f in fmt.flags) or "none"
                raise ConfigError(
                    f"--{flag}: not an option of the {fmt.name} format (its options: {offered})"
                )
        return fmt

    def read_samples(self, path: str | Path, view: str | None = None) -> Any:
        return read_samples(self.registry, self.data, path)

    def resolved_toml(self) -> str:
        """The config as TOML with every default filled in: the dataset's, each network's
        and the game's options, as the factories declare them."""
        raw = self.config.to_dict()
        reg = self.registry
        data_factory = reg.get("datasets", self.config.data.name).factory
        raw["data"] = {"name": self.config.data.name} | _defaults(data_factory) | raw["data"]
        roles = self._game_class().roles
        for role, net in raw["networks"].items():
            if not net.get("share"):
                factory = reg.get(roles[role], net["name"]).factory
                raw["networks"][role] = {"name": net["name"]} | _defaults(factory, skip=1) | net
        options = dataclasses.asdict(self._params["game"])
        raw["game"] = {"name": self.config.game.name} | options
        return tomli_w.dumps(raw)

    # -- validation -------------------------------------------------------------------------

    def _metric_specs(self, names: list[str]) -> list[Any]:
        """The named metrics, each checked to fit the data, or every metric that does."""
        where = f"dataset {self.config.data.name!r}"
        return metric_specs(self.registry, self.data, names, where)

    def _evaluate(self, game: Game, step: int) -> dict[str, float]:
        """Diagnostics every ``train.eval_every`` steps: samples of a fixed set of latents
        (saved, and drawn where the domain has a figure), their spread against the real
        data's (a collapse warning below ``train.collapse_ratio``), and
        ``train.eval_metrics`` without baselines."""
        data, cfg = self.data, self.config
        n = min(cfg.validate.n_samples, data.n_test)
        g = torch.Generator().manual_seed(cfg.validate.seed)  # the same latents every time
        view = None
        if game.directions:  # the first direction's translations of held-out inputs
            source, _, view = game.directions[0].partition("2")
            with torch.no_grad():
                fake_batch = game.translate(data.split("test", n, view=source), game.directions[0])
        else:
            fake_batch = game.generate(n, generator=g)
        real_batch = data.split("test", n, view=view)
        ratio = _spread(fake_batch) / max(_spread(real_batch), 1e-12)
        out = {"spread_ratio": ratio}
        if ratio < cfg.train.collapse_ratio:
            log.warning(
                "step %d: possible mode collapse: the spread of the fixed latents' samples is "
                "%.3g of the real data's", step, ratio,
            )  # fmt: skip
        fake = data.decode(fake_batch, generator=g, view=view)
        real = data.decode(real_batch, view=view)
        if self.run_dir is not None:
            self.write_samples(fake, self.run_dir / "samples" / f"step-{step:07d}")
            figures = self.registry.for_domains("figures", data.domains)
            if figures:
                path = self.run_dir / "figures" / "steps" / f"step-{step:07d}.png"
                with atomic_path(path) as tmp:
                    call_figure(figures[0], fake, real, data, str(tmp), view)
        for spec in self._metric_specs(cfg.train.eval_metrics) if cfg.train.eval_metrics else []:
            values = _as_dict(spec.name, call_metric(spec, fake, real, data, 0, view))
            out.update({f"{spec.name}.{k}": v for k, v in values.items()})
        return out

    def _validation_sets(
        self, n_samples: int, samples: Any = None
    ) -> list[tuple[str, Any, Any, Any]]:
        """(label, generated, held-out real, training real) in natural form: one set for
        an unconditional game (``samples`` or fresh ones), one per direction for a
        translation game (its translations of held-out inputs, labelled ``A2B``, ...)."""
        data, seed = self.data, self.config.validate.seed
        n = min(n_samples, data.n_test, data.n_train)
        game = self.game
        if not game.directions:
            fake = self.sample(n_samples, seed=seed) if samples is None else samples
            real = data.decode(data.split("test", n))
            check_like(fake, real)
            return [("", fake, real, data.decode(data.split("train", n)))]
        if samples is not None:
            raise ConfigError(
                "a translation game is validated on its own translations of held-out inputs; "
                "translate a file with `gansci sample RUN --from FILE` instead"
            )
        sets = []
        g = torch.Generator().manual_seed(seed)
        for direction in game.directions:
            source, _, target = direction.partition("2")
            with torch.no_grad():
                out = game.translate(data.split("test", n, view=source), direction)
            sets.append(
                (
                    direction,
                    data.decode(out, generator=g, view=target),
                    data.decode(data.split("test", n, view=target), view=target),
                    data.decode(data.split("train", n, view=target), view=target),
                )
            )
        return sets

    def validate(
        self, samples: Any = None, write_report: bool = True, report: str | Path | None = None
    ) -> list[MetricValue]:
        """Every metric of the data's domains on generated vs held-out real samples, each
        beside its real-vs-real baseline (training vs held-out samples of equal size); for
        a translation game, per direction on the translations of held-out inputs.

        The report goes to ``report`` (``STEM.report.md``, its numbers beside it in
        ``STEM.validation.json``, its figures in ``STEM.figures/``), by default the run's
        report.md, or nowhere when ``samples`` are given: a report on given samples is
        written only where asked, never over the run's own."""
        cfg = self.config.validate
        sets = [JudgedSet(*s) for s in self._validation_sets(cfg.n_samples, samples)]
        rows = measure(self._metric_specs(cfg.metrics), sets, self.data, cfg.seed)
        if report is None and samples is None and self.run_dir is not None:
            report = self.run_dir / "report.md"
        if write_report and report is not None:
            generated = f"{len(samples)} given samples" if samples is not None else ""
            self._save_report(Path(report), rows, sets, generated)
        return rows

    def _save_report(
        self, out: Path, rows: list[MetricValue], sets: list[JudgedSet], generated: str
    ) -> None:
        """The report ``out`` with its figures and validation numbers (see :meth:`validate`)."""
        figures_dir, numbers = out.with_name("figures"), out.with_name("validation.json")
        if self.run_dir is None or out != self.run_dir / "report.md":
            stem = out.name.removesuffix(".md").removesuffix(".report")
            figures_dir = out.with_name(f"{stem}.figures")
            numbers = out.with_name(f"{stem}.validation.json")
        title = f"Validation report: {self.config.recipe or self.config.data.name}"
        facts = run_facts(self.config, generated) + list(self.data.facts)
        report = Report(title, rows, sets, self.data, self.registry, facts)
        report.write(out, numbers, figures_dir, self.run_dir)


def _main_first(fn: Callable[[], Any]) -> Any:
    """``fn()`` (checks, naming the run folder) on rank 0 alone; its result, or its error,
    on every rank, so that all ranks go on or stop together."""
    if distributed.world_size() == 1:
        return fn()
    result = error = None
    if distributed.is_main():
        try:
            result = fn()
        except GansciError as exc:
            error = exc
    error, result = distributed.broadcast((error, result))
    if error is not None:
        raise error
    return result


def check_resumable(keys: list[str]) -> None:
    """A ConfigError naming the first of the dotted config ``keys`` that resume cannot
    change, and those it can."""
    fixed = sorted(k for k in keys if k not in RESUMABLE)
    if fixed:
        raise ConfigError(
            f"{fixed[0]} cannot change on resume (the checkpoint was trained with it); "
            f"resume can change: {', '.join(RESUMABLE)}"
        )


def dotted_keys(tree: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys of the leaves of a nested mapping (``--set`` overrides)."""
    keys = []
    for key, value in tree.items():
        if isinstance(value, Mapping):
            keys += dotted_keys(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


def read_normalization(run_dir: Path) -> list[dict[str, Any]] | None:
    """The standardisation stored in a run folder; None for folders written without one."""
    path = run_dir / NORMALIZATION
    if not path.is_file():
        return None
    try:
        return list(json.loads(path.read_text())["leaves"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path}: unreadable normalisation ({exc})") from None


def write_normalization(run_dir: Path, data: Dataset) -> None:
    note = "model units = (data units - mean) / std, per feature (the leaf's last axis)"
    content = {"note": note, "leaves": data.normalization()}
    atomic_write(run_dir / NORMALIZATION, json.dumps(content, indent=1) + "\n")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _changed_keys(a: Mapping[str, Any], b: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys whose values differ between two nested config mappings."""
    changed = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if isinstance(x, Mapping) and isinstance(y, Mapping):
            changed += _changed_keys(x, y, f"{prefix}{key}.")
        elif x != y:
            changed.append(f"{prefix}{key}")
    return changed


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _spread(batch: Any) -> float:
    """Mean pairwise distance between (up to 1,000) samples of a batch, all float leaves."""
    leaves = [t.flatten(1).float() for t in tree_flatten(batch)[0] if t.is_floating_point()]
    x = torch.cat(leaves, 1)[:1000]
    return float(torch.pdist(x).mean())


def _defaults(factory: Any, skip: int = 0) -> dict[str, Any]:
    """The keyword defaults of a factory that TOML can hold."""
    params = list(inspect.signature(factory).parameters.values())[skip:]
    return {
        p.name: p.default
        for p in params
        if p.default is not p.empty and isinstance(p.default, (bool, int, float, str, list))
    }
