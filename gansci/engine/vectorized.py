"""Several seeds of one small experiment trained at once, by the one training path.

GAN results vary widely between seeds, and a small MLP's step is mostly per-operation
overhead. Here the seeds' networks are stacked (:class:`~gansci.engine.stacked.Stacked`)
and the standard game, the Trainer's rhythm, EMA, penalties and checkpoint code run on
them unchanged: a batch holds every seed's rows, the game reduces it per seed, and each
player's optimiser over the stacked tensors is one optimiser per seed. At each log,
evaluation and checkpoint step the stacked state is split into each seed's own game, and
that seed's own Trainer logs, evaluates and saves it, so each run folder is the one a
sequential run writes (``gansci sample``, ``validate`` and ``resume`` work on it). Each
seed draws its batches and latents from its own ``torch.Generator``, so a seed's run does
not depend on which seeds train beside it; the penalties' random interpolation weights
and DRAGAN's noise come from torch's global generator, shared by the seeds.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor

from gansci.config import TrainConfig
from gansci.data import Dataset
from gansci.engine.game import StandardGame
from gansci.engine.penalties import PENALTIES
from gansci.engine.player import Player
from gansci.engine.stacked import Stacked
from gansci.engine.trainer import Trainer, Window
from gansci.errors import ConfigError, TrainingDiverged
from gansci.nets.mlp import MLPDiscriminator, MLPGenerator

if TYPE_CHECKING:
    from gansci.experiment import Experiment

# Options this path is tested on; any other option set away from its default is refused,
# so a stabiliser added to the game later is never silently run on stacked seeds untested.
GAME_OPTIONS = {"loss", "penalty", "penalty_weight", "n_critic", "update", "label_smoothing"}
NET_OPTIONS = {
    "latent_dim", "hidden", "depth", "activation", "standardize", "components",
    "fourier_features", "fourier_scale",
}  # fmt: skip
TRAIN_OPTIONS = {
    "steps", "batch_size", "lr", "betas", "weight_decay", "players", "optimizer", "lr_schedule",
    "grad_clip", "ema", "log_every", "eval_every", "eval_metrics", "checkpoint_every",
    "keep_checkpoints", "collapse_ratio", "progress",
}  # fmt: skip
BLOCK = 64  # draws made at once per seed


# -- what can be vectorised -------------------------------------------------------------


def _non_default(section: Any, allowed: set[str], defaults: Any) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(section)
        if f.name not in allowed and getattr(section, f.name) != getattr(defaults, f.name)
    ]


def check_vectorizable(experiments: Sequence[Experiment]) -> None:
    """Raise ConfigError unless ``experiments`` are one config over several seeds that this
    module can train together (standard alternating game, MLP networks, vector data)."""
    if not experiments:
        raise ConfigError("vectorised seeds: no experiments given")
    first = experiments[0].config
    seeds = [e.config.seed for e in experiments]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"vectorised seeds: seeds must differ, got {seeds}")
    dirs = [e.run_dir for e in experiments]
    if any(d is None for d in dirs) or len({Path(d).resolve() for d in dirs}) != len(dirs):
        raise ConfigError("vectorised seeds: every experiment needs its own run folder (out=...)")
    reference = {**first.to_dict(), "seed": None}
    for e in experiments[1:]:
        if {**e.config.to_dict(), "seed": None} != reference:
            raise ConfigError(
                f"vectorised seeds: {e.run_dir} differs from {experiments[0].run_dir} in more "
                "than the seed; vectorised runs share one config"
            )
    if first.game.name != "standard":
        raise ConfigError(f"vectorised seeds: game {first.game.name!r} is not vectorised")
    refused = [f"game.{k}" for k in first.game.params if k not in GAME_OPTIONS]
    if first.game.params.get("update", "alternating") != "alternating":
        refused.append(f"game.update={first.game.params['update']!r}")
    for role, kind in (("G", "generators"), ("D", "discriminators")):
        section = f"networks.{role}"
        net = first.networks[role]
        factory = experiments[0].registry.get(kind, net.name).factory
        defaults = {n: p.default for n, p in inspect.signature(factory).parameters.items()}
        refused += [
            f"{section}.{k}"
            for k, v in net.params.items()
            if k not in NET_OPTIONS and v != defaults.get(k, inspect.Parameter.empty)
        ]
        allowed = {"name", "params", "spectral_norm"}
        refused += [f"{section}.{k}" for k in _non_default(net, allowed, type(net)())]
    refused += [f"train.{k}" for k in _non_default(first.train, TRAIN_OPTIONS, TrainConfig())]
    if refused:
        raise ConfigError(
            f"vectorised seeds: not supported: {', '.join(refused)}; run the seeds one after "
            "another instead"
        )
    game = experiments[0].game
    if type(game) is not StandardGame:  # a subclass may change how fakes are made
        raise ConfigError(f"vectorised seeds: game {type(game).__name__} is not vectorised")
    if not (isinstance(game.G, MLPGenerator) and isinstance(game.D, MLPDiscriminator)):
        raise ConfigError(
            "vectorised seeds: only the MLP generator and discriminator are vectorised, got "
            f"{type(game.G).__name__} and {type(game.D).__name__}"
        )
    if game.penalty is not None and game.penalty not in PENALTIES.values():
        raise ConfigError(
            f"vectorised seeds: penalty {game.penalty.description!r} is not vectorised; "
            f"supported: the built-in {', '.join(PENALTIES)}"
        )
    if not isinstance(experiments[0].data.train, Tensor):
        raise ConfigError("vectorised seeds: the data must be a single tensor per batch")


# -- each seed's own random draws ----------------------------------------------------------


class SeedDraws:
    """Each seed's random draws from its own ``torch.Generator``: a draw of n rows for every
    seed is seed-major, and a seed's draws do not depend on the seeds beside it. Made
    ``BLOCK`` calls ahead and moved to the device at once (one host-device copy a block)."""

    def __init__(self, seeds: Sequence[int], device: torch.device):
        # not the seed itself: its stream drew the networks' initial weights, and latents
        # made of the numbers that made G's weights train measurably worse
        self.generators = [
            torch.Generator().manual_seed(int(np.random.SeedSequence(s).generate_state(1)[0]))
            for s in seeds
        ]
        self.device = device
        self.blocks: dict[tuple[Any, ...], tuple[Tensor, int]] = {}

    def index(self, high: int, n: int) -> Tensor:
        """``n`` indices below ``high`` per seed."""
        return self._next(
            ("index", high, n), lambda g: torch.randint(high, (BLOCK, n), generator=g)
        )

    def normal(self, n: int, dim: int) -> Tensor:
        """``n`` standard-normal rows of ``dim`` per seed."""
        return self._next(("normal", n, dim), lambda g: torch.randn(BLOCK, n, dim, generator=g))

    def _next(self, key: tuple[Any, ...], draw: Callable[[torch.Generator], Tensor]) -> Tensor:
        block, at = self.blocks.get(key, (None, BLOCK))
        if at == BLOCK:
            block, at = torch.cat([draw(g) for g in self.generators], 1).to(self.device), 0
        self.blocks[key] = (block, at + 1)
        return block[at]


class StackedData:
    """The dataset as stacked seeds train on it: ``sample(n)`` is n rows per seed."""

    def __init__(self, data: Dataset, draws: SeedDraws):
        self.train, self.n_train, self.draws = data.train, data.n_train, draws
        self.device = data.device

    def sample(self, n: int, view: str | None = None) -> Tensor:
        return self.train[self.draws.index(self.n_train, n)]


class StackedGame(StandardGame):
    """The standard game over stacked networks; each seed's latents from its own stream."""

    def __init__(self, experiments: Sequence[Experiment], draws: SeedDraws):
        games: list[StandardGame] = [e.game for e in experiments]  # type: ignore[misc]
        G, D = Stacked([g.G for g in games]), Stacked([g.D for g in games])
        super().__init__(G, D, games[0].options, experiments[0].context())
        self.draws = draws

    def latent(self, n: int, generator: Any = None, dim: int | None = None) -> Tensor:
        return self.draws.normal(n // self.seeds, self.G.latent_dim if dim is None else dim)


# -- training -------------------------------------------------------------------------------


class SeedsTrainer(Trainer):
    """The Trainer's rhythm over a stacked game, with each seed's own Trainer at every log,
    evaluation and checkpoint step. A seed whose losses go non-finite stops there (its last
    good checkpoint stays) and the others train on; ``failed`` says why, by seed index."""

    def __init__(self, experiments: Sequence[Experiment], draws: SeedDraws):
        super().__init__(experiments[0].config.train, seed=experiments[0].config.seed)
        self.games = [e.game for e in experiments]
        self.runs = [e._trainer() for e in experiments]
        self.seed_players = [run.players(g) for run, g in zip(self.runs, self.games, strict=True)]
        for run, generator in zip(self.runs, draws.generators, strict=True):
            run.rng = generator
            run.open_log()
        self.failed: dict[int, str] = {}

    def sync(self, game: StandardGame, players: dict[str, Player], window: Window) -> None:
        states = {name: p.optimizer.state_dict() for name, p in players.items()}
        by_seed = [t.view(len(window.keys), -1) for t in (window.means, window.bad_at)]
        for i, run in enumerate(self.runs):
            if i in self.failed:
                continue
            for name, player in self.seed_players[i].items():
                player.scheduler.load_state_dict(players[name].scheduler.state_dict())
            if window.is_eval or window.is_ckpt:  # they need the weights
                self._split(game, states, i)
            run.step = self.step
            own = dataclasses.replace(window, means=by_seed[0][:, i], bad_at=by_seed[1][:, i])
            try:
                run.sync(self.games[i], self.seed_players[i], own)
            except TrainingDiverged as exc:
                self.failed[i] = f"{run.run_dir}: {exc}"

    def _split(self, game: StandardGame, states: dict[str, Any], i: int) -> None:
        """Seed ``i``'s weights and optimiser states (of the stacked ``states``) into its own
        game and players."""
        own = self.games[i]
        for name, net in game.named_modules():
            if isinstance(net, Stacked):
                own.get_submodule(name).load_state_dict(net.seed_state(i))
        own.steps_done.copy_(game.steps_done)
        for name, player in self.seed_players[i].items():
            player.load_state(_seed_optimizer_state(states[name], i))


def _seed_optimizer_state(state: dict[str, Any], i: int) -> dict[str, Any]:
    """Seed ``i``'s slice of a stacked optimiser's state dict (scalars such as Adam's
    step count are shared by all seeds and kept whole)."""

    def pick(v: Any) -> Any:
        return v[i].clone() if isinstance(v, Tensor) and v.dim() > 0 else v

    return {
        "state": {k: {n: pick(v) for n, v in s.items()} for k, s in state["state"].items()},
        "param_groups": copy.deepcopy(state["param_groups"]),
    }


def fit_vectorized(experiments: Sequence[Experiment]) -> None:
    """Train several seeds of one experiment at once, each into its own run folder.

    ``experiments`` share one config except the seed, each with its own ``run_dir``
    (``Experiment.from_recipe(recipe, seed=s, out=dir, **overrides)``). Each folder ends up
    as ``Experiment.run(validate=False)`` leaves it: config.toml, metrics.jsonl,
    checkpoints and the final samples. A seed whose losses become non-finite stops logging
    and checkpointing (its last good checkpoint stays); the others finish, and then
    TrainingDiverged names the failed seeds. Raises ConfigError for what is not vectorised.
    """
    experiments = list(experiments)
    check_vectorizable(experiments)
    for exp in experiments:
        exp._check_new_run()
    for exp in experiments:
        exp._create_run_dir()
    data = experiments[0].data
    draws = SeedDraws([e.config.seed for e in experiments], data.device)
    game = StackedGame(experiments, draws)
    game.enable_ema(experiments[0].config.train.ema)
    trainer = SeedsTrainer(experiments, draws)
    trainer.fit(game.to(data.device), StackedData(data, draws))  # type: ignore[arg-type]
    for i, exp in enumerate(experiments):
        if i not in trainer.failed:
            exp._finish(trainer.step, validate=False)
    if trainer.failed:
        raise TrainingDiverged(
            f"{len(trainer.failed)} of {len(experiments)} seeds diverged (their last good "
            "checkpoints are kept; the other seeds finished): " + "; ".join(trainer.failed.values())
        )
