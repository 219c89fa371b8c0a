"""The small typed records plugins hand to the registry, one per registered thing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The kinds of component a plugin can register, in the order `gansci plugins` shows them.
KINDS = (
    "datasets",
    "generators",
    "discriminators",
    "metrics",
    "games",
    "recipes",
    "losses",
    "penalties",
    "augmentations",
    "formats",
    "figures",
    "commands",
)

#: One item of each kind, for messages ("unknown loss 'x'").
SINGULAR = {k: k[:-1] for k in KINDS} | {"losses": "loss", "penalties": "penalty"}


@dataclass(frozen=True)
class Spec:
    """A named factory: a dataset, generator, discriminator, game, loss or penalty.

    ``factory`` is called with the component's config parameters as keywords (and, for
    networks and games, the dataset first); its signature is what ``--set`` overrides are
    checked against. ``domains`` says which kinds of data it fits; empty means any.
    """

    name: str
    description: str
    factory: Callable[..., Any]
    domains: tuple[str, ...] = ()


RULES = ("at_most", "at_least", "within", "times", "at_least_times")


@dataclass(frozen=True)
class Target:
    """What a metric's value on generated data must be for the report to say PASS:
    ``at_most`` / ``at_least`` a fixed bound, ``within`` the bound of the real-vs-real
    baseline, at most ``times`` the baseline (a distance whose floor is real vs real), or
    ``at_least_times`` it (an agreement whose ceiling is real vs real)."""

    rule: str
    bound: float

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"target rule {self.rule!r}; valid: {', '.join(RULES)}")

    def passes(self, value: float, baseline: float) -> bool:
        if self.rule == "at_most":
            return value <= self.bound
        if self.rule == "at_least":
            return value >= self.bound
        if self.rule == "within":
            return abs(value - baseline) <= self.bound
        if self.rule == "at_least_times":
            return value >= self.bound * baseline
        return value <= self.bound * baseline

    def __str__(self) -> str:
        return {
            "at_most": f"≤ {self.bound:g}",
            "at_least": f"≥ {self.bound:g}",
            "within": f"within {self.bound:g} of real",
            "times": f"≤ {self.bound:g} × real",
            "at_least_times": f"≥ {self.bound:g} × real",
        }[self.rule]


@dataclass(frozen=True)
class MetricSpec:
    """A metric: ``fn(samples, real, dataset, rng) -> float | dict[str, float]``.

    The engine calls it twice, on generated vs held-out real and on training vs held-out
    real (the real-vs-real baseline), so a metric is written once. ``targets`` (value key
    -> :class:`Target`) are the figures the report judges PASS or FAIL.
    """

    name: str
    description: str
    fn: Callable[..., float | Mapping[str, float]]
    domains: tuple[str, ...]
    targets: Mapping[str, Target] = field(default_factory=dict)


@dataclass(frozen=True)
class RecipeSpec:
    """A named experiment: a nested config mapping (sections ``data``, ``generator``, ...)."""

    name: str
    description: str
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FormatSpec:
    """A sample file format: ``write(samples, path)`` and ``read(path) -> samples``.

    ``flags`` maps each on/off option of the writer to its help: ``gansci sample`` offers
    it as ``--NAME`` and passes ``NAME=True`` to ``write`` when it is given."""

    suffix: str
    description: str
    domains: tuple[str, ...]
    write: Callable[..., None]
    read: Callable[[str], Any]
    flags: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The suffix and the domains: formats of one suffix for different domains (a
        vector .npy, an image stack .npy) are different formats."""
        return f"{self.suffix} ({', '.join(self.domains) or 'any'})"


@dataclass(frozen=True)
class FigureSpec:
    """A report figure: ``fn(samples, real, dataset, path)`` writes one PNG at ``path``; a
    ``fn`` with a ``view`` parameter is told a translation's target view (``B`` for A2B)."""

    name: str
    description: str
    fn: Callable[..., None]
    domains: tuple[str, ...]


@dataclass(frozen=True)
class CommandSpec:
    """A ``gansci`` subcommand: ``add_arguments(parser)`` declares its arguments and
    ``run(args)`` carries it out (raising a GansciError for a user's mistake)."""

    name: str
    description: str
    add_arguments: Callable[[Any], None]
    run: Callable[[Any], None]
