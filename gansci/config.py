"""The experiment config: typed sections, validated, read from and written to TOML."""

from __future__ import annotations

import dataclasses
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from gansci.errors import ConfigError
from gansci.files import atomic_write

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass
class ComponentConfig:
    """A registered component by name; every other key is a parameter of its factory."""

    name: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class NetworkConfig(ComponentConfig):
    """One network of the game, by role (``[networks.G]``, ``[networks.D_A]``)."""

    spectral_norm: bool = False
    packing: int = 1  # PacGAN: a discriminator judges this many samples at once
    share: str = ""  # another role whose module this role uses (a shared critic)


@dataclass
class PlayerConfig:
    """One player's optimiser settings (``[train.players.D]``); unset fields take the
    ``[train]`` value of the same name."""

    lr: float | None = None
    betas: list[float] | None = None
    weight_decay: float | None = None
    lr_schedule: str | None = None
    lr_decay_start: float | None = None
    grad_clip: float | None = None


@dataclass
class TrainConfig:
    steps: int = 2000
    batch_size: int = 256
    # every player's optimiser settings, unless train.players.<name> sets its own
    lr: float = 2e-4
    betas: list[float] = field(default_factory=lambda: [0.5, 0.999])
    weight_decay: float = 0.0
    # constant | linear: decay to zero at the last step (resumed to more steps: from the
    # factor reached, to zero at the new last step)
    lr_schedule: str = "constant"
    lr_decay_start: float = 0.0  # linear: the fraction of train.steps held constant first
    grad_clip: float = 0.0  # max global gradient norm per player; 0 turns clipping off
    players: dict[str, PlayerConfig] = field(default_factory=dict)
    optimizer: str = "adam"  # adam | optimistic-adam | sgd | optimistic-sgd
    ema: float = 0.0  # decay of the generators' weight average; 0 turns it off
    log_every: int = 0  # log (and draw curves) every this many steps; 0: steps // 100
    eval_every: int = 0  # evaluate eval_metrics every this many steps; 0 turns it off
    eval_metrics: list[str] = field(default_factory=list)
    checkpoint_every: int = 500
    keep_checkpoints: int = 3
    select_metric: str = ""  # an eval key, e.g. "modes.reverse_kl": keep checkpoints/best.pt
    select_mode: str = "min"  # min | max: which direction of select_metric is better
    patience: int = 0  # stop after this many evaluations without improvement; 0: never
    collapse_ratio: float = 0.25  # warn when the fixed latents' spread falls below this x real
    amp: bool = False  # bf16 autocast of the training step
    compile: bool = False  # torch.compile the game's networks (D eager under a penalty)
    # none | graphs: replay whole training steps as CUDA graphs after 3 eager ones (small
    # games are bound by kernel launches); on the CPU steps run eagerly
    capture: str = "none"
    # torch's intra-op threads while training; 0 leaves torch's default (OMP_NUM_THREADS or
    # the cores). Small networks on shared cores train faster on 1: threads that wait for
    # each other at every operation stall whenever another job holds a core
    threads: int = 0
    progress: bool = True

    @property
    def log_interval(self) -> int:
        """Steps between log records: ``log_every``, or about 100 records a run when 0."""
        return self.log_every or max(1, self.steps // 100)

    def player(self, name: str) -> PlayerConfig:
        """``name``'s settings with every unset field taken from this section."""
        own = self.players.get(name, PlayerConfig())
        return PlayerConfig(
            **{
                f.name: getattr(self, f.name)
                if getattr(own, f.name) is None
                else getattr(own, f.name)
                for f in dataclasses.fields(PlayerConfig)
            }
        )


@dataclass
class ValidateConfig:
    n_samples: int = 2500
    metrics: list[str] = field(default_factory=list)  # empty: every metric of the domain
    seed: int = 1234


@dataclass
class ExperimentConfig:
    recipe: str = ""
    seed: int = 0
    device: str = "auto"
    data: ComponentConfig = field(default_factory=ComponentConfig)
    networks: dict[str, NetworkConfig] = field(default_factory=dict)
    game: ComponentConfig = field(default_factory=lambda: ComponentConfig("standard"))
    train: TrainConfig = field(default_factory=TrainConfig)
    validate: ValidateConfig = field(default_factory=ValidateConfig)

    # -- building ---------------------------------------------------------------------

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: str = "config") -> ExperimentConfig:
        """Build from a nested mapping, checking every key and type; errors name the key.
        Version-1 keys are mapped first (see :func:`migrate`)."""
        return _build(cls, migrate(raw), where, "")

    @classmethod
    def from_toml(cls, path: str | Path) -> ExperimentConfig:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_dict(raw, where=str(path))

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)

    def to_toml(self) -> str:
        return tomli_w.dumps(self.to_dict())

    def write(self, path: str | Path) -> None:
        atomic_write(path, self.to_toml())


# -- overrides ------------------------------------------------------------------------


def parse_override(text: str) -> tuple[str, Any]:
    """``"train.steps=2000"`` -> ``("train.steps", 2000)``; values are TOML, else strings."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"override {text!r} is not of the form section.key=value")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()  # a bare word or path: data.path=runs/x.npy
    return key, parsed


def merge(base: Mapping[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``updates`` into a copy of ``base``; dotted keys address nested sections."""
    out = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in base.items()}
    for key, value in updates.items():
        head, _, rest = key.partition(".")
        if rest:
            value = {rest: value}
        if isinstance(value, Mapping):
            out[head] = merge(out[head] if isinstance(out.get(head), Mapping) else {}, value)
        else:
            out[head] = value
    return out


def overrides_to_dict(items: Iterable[str]) -> dict[str, Any]:
    return merge({}, dict(parse_override(s) for s in items))


#: Version-1 keys and where they live now; a config or ``--set`` that uses them still works.
MIGRATIONS = {
    "generator": "networks.G",
    "discriminator": "networks.D",
    "train.lr_g": "train.players.G.lr",
    "train.lr_d": "train.players.D.lr",
    "train.betas_g": "train.players.G.betas",
    "train.betas_d": "train.players.D.betas",
}


def migrate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A (possibly dotted) config mapping with its version-1 keys moved to their new
    places (:data:`MIGRATIONS`); where both are given, the new key wins."""
    out = merge({}, raw)
    for old, new in MIGRATIONS.items():
        head, _, key = old.rpartition(".")
        section = out.get(head) if head else out
        if not isinstance(section, dict) or key not in section:
            continue
        moved = merge({}, {new: section.pop(key)})
        out = merge(moved, out)
    return out


def _plain(value: Any) -> Any:
    """A config value as TOML-ready builtins: components with their params inlined, unset
    optional fields left out."""
    if isinstance(value, ComponentConfig):
        section = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {k: v for k, v in section.items() if k != "params"} | _plain(value.params)
    if dataclasses.is_dataclass(value):
        fields = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
        return {k: _plain(v) for k, v in fields if v is not None}
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


# -- checking ---------------------------------------------------------------------------


def _build(cls: type, raw: Mapping[str, Any], where: str, prefix: str) -> Any:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: [{prefix.rstrip('.')}] must be a table, got {raw!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    component = issubclass(cls, ComponentConfig)
    kwargs: dict[str, Any] = {}
    params: dict[str, Any] = dict(raw.get("params", {})) if component else {}
    for key, value in raw.items():
        if key == "params" and component:
            continue
        if key not in fields or key == "params":
            if component:
                params[key] = value  # checked later against the factory's signature
                continue
            valid = ", ".join(f for f in fields)
            raise ConfigError(f"{where}: unknown key '{prefix}{key}'; valid keys: {valid}")
        hint = hints[key]
        table = typing.get_args(hint)[1] if typing.get_origin(hint) is dict else None
        if dataclasses.is_dataclass(hint):
            kwargs[key] = _build(hint, value, where, f"{prefix}{key}.")
        elif dataclasses.is_dataclass(table):  # a table of sections: [networks.G], ...
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}: [{prefix}{key}] must be a table, got {value!r}")
            kwargs[key] = {
                str(k): _build(table, v, where, f"{prefix}{key}.{k}.") for k, v in value.items()
            }
        else:
            kwargs[key] = coerce(value, hint, f"{where}: {prefix}{key}")
    if component:
        kwargs["params"] = params
    return cls(**kwargs)


def coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` against a type hint, converting only where lossless (int -> float)."""
    if hint is Any or hint is inspect.Parameter.empty:
        return value
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(hint):
            if option is type(None) and value is None:
                return None
            try:
                return coerce(value, option, where)
            except ConfigError as exc:
                errors.append(exc)
        raise errors[-1]
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        (inner, *_) = typing.get_args(hint) or (Any,)
        return [coerce(v, inner, where) for v in value]
    if origin is dict or hint is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a table, got {value!r}")
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is bool and not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    if hint is int and isinstance(value, bool):
        raise ConfigError(f"{where} must be an integer, got {value!r}")
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ConfigError(f"{where} must be {hint.__name__}, got {value!r}")
    return value


def check_params(
    factory: Callable[..., Any], params: Mapping[str, Any], where: str, skip: int = 0
) -> dict[str, Any]:
    """Check config params against ``factory``'s keyword parameters (after ``skip`` leading
    positional ones); unknown keys and wrong types name the key and the valid choices."""
    sig = inspect.signature(factory)
    accepted = list(sig.parameters.values())[skip:]
    by_name = {p.name: p for p in accepted if p.kind is not p.VAR_POSITIONAL}
    open_ended = any(p.kind is p.VAR_KEYWORD for p in accepted)
    try:
        hints = typing.get_type_hints(factory.__init__ if isinstance(factory, type) else factory)
    except Exception:  # unresolvable annotations: fall back to the defaults' types
        hints = {}
    out = {}
    for key, value in params.items():
        p = by_name.get(key)
        if p is None or p.kind is p.VAR_KEYWORD:
            if open_ended:
                out[key] = value
                continue
            valid = ", ".join(n for n, q in by_name.items() if q.kind is not q.VAR_KEYWORD)
            raise ConfigError(f"{where}: unknown key {key!r}; valid keys: name, {valid}")
        hint = hints.get(key, p.annotation)
        if hint is inspect.Parameter.empty and p.default not in (None, inspect.Parameter.empty):
            hint = type(p.default)
        out[key] = coerce(value, hint, f"{where}.{key}")
    missing = [
        p.name
        for p in by_name.values()
        if p.default is p.empty and p.name not in out and p.kind is not p.VAR_KEYWORD
    ]
    if missing:
        raise ConfigError(f"{where}: missing required key(s): {', '.join(missing)}")
    return out
