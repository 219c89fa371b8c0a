"""Games: the networks by role, the players that update them, and one training step."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_map

from gansci.data import Batch, Dataset, batch_len, concat
from gansci.engine import distributed
from gansci.engine.losses import LOSSES, Loss, clip_weights_
from gansci.engine.penalties import PENALTIES, Penalty, with_input_grad
from gansci.engine.stacked import per_seed, seed_mean, seeds_of
from gansci.errors import ConfigError
from gansci.kinds import add_noise

if TYPE_CHECKING:
    from gansci.engine.player import Player

SampleReal = Callable[..., Batch]  # sample_real(view=None) -> a real batch
Augment = Callable[[Batch], Batch]


@dataclass
class GameContext:
    """What a game is built from: the data, its networks by role, and the losses,
    penalties and augmentations of the experiment's registry (never the global one)."""

    data: Dataset
    network: Callable[[str], nn.Module] = lambda role: _no_networks(role)
    losses: Callable[[str], Loss] = lambda name: _builtin(LOSSES, "loss", name)
    penalties: Callable[[str], Penalty] = lambda name: _builtin(PENALTIES, "penalty", name)
    augmentations: Callable[[str], Augment] = lambda name: _builtin({}, "augmentation", name)


def _no_networks(role: str) -> nn.Module:
    raise ConfigError(f"no network for role {role!r}: this game was built without networks")


def _builtin(table: dict[str, Any], kind: str, name: str) -> Any:
    if name not in table:
        raise ConfigError(f"unknown {kind} {name!r}; built in: {', '.join(table) or 'none'}")
    return table[name]


@dataclass
class NoOptions:
    """A game without options."""


class Game(nn.Module):
    """A training objective over networks by role, split between players.

    A game declares ``Options`` (a dataclass: its options, their types and defaults, which
    config parsing, ``--set`` and ``gansci show`` read), ``roles`` (role -> the kind of
    registered network built for it, ``"generators"`` or ``"discriminators"``) and
    ``generators`` (the roles that generate: EMA averages them and sampling uses them).
    It is built by :meth:`build` from a :class:`GameContext` and its options, and
    implements :meth:`players`, :meth:`step` and :meth:`generate` (and :meth:`translate`
    when it maps inputs of one view to another). As an ``nn.Module`` its state dict holds
    every network. A game over stacked networks (:mod:`gansci.engine.stacked`) trains
    ``seeds`` runs at once: its step returns one value per seed of each statistic.
    """

    Options: ClassVar[type] = NoOptions
    roles: ClassVar[dict[str, str]] = {}
    generators: ClassVar[tuple[str, ...]] = ("G",)
    #: translation directions, e.g. ("A2B", "B2A"): source view, "2", target view
    directions: ClassVar[tuple[str, ...]] = ()
    #: whether ``train.capture="graphs"`` may hold the step in a CUDA graph: it reads and
    #: writes only tensors that outlive it, draws on the device, never waits on the device
    #: and takes the same path in Python every step
    capturable: ClassVar[bool] = False
    seeds = 1

    def __init__(self) -> None:
        super().__init__()
        self.ema: nn.ModuleDict | None = None
        self.ema_decay = 0.0

    @classmethod
    def build(cls, ctx: GameContext, options: Any) -> Game:
        """The game from its context and options (an instance of ``cls.Options``)."""
        return cls(ctx, options)

    def players(self) -> dict[str, list[nn.Parameter]]:
        """Parameters per player; the trainer gives each player its own optimiser, set by
        ``train.players.<name>``."""
        raise NotImplementedError

    def step(self, sample_real: SampleReal, players: dict[str, Player]) -> dict[str, Tensor]:
        """One training step; returns detached scalars to log (never synced here)."""
        raise NotImplementedError

    def generate(
        self, n: int, cond: Batch | None = None, generator: torch.Generator | None = None
    ) -> Batch:
        """``n`` fake samples as a model batch, from the EMA weights when they are on;
        a conditional game generates one sample per row of ``cond``."""
        raise NotImplementedError

    def translate(self, x: Batch, direction: str) -> Batch:
        """``x`` (a model batch of the direction's source view) in the target view."""
        raise ConfigError(f"game {type(self).__name__} does not translate")

    # -- exponential moving average of the generators' weights --------------------------

    def enable_ema(self, decay: float) -> None:
        if decay <= 0:
            return
        self.ema_decay = decay
        self.ema = nn.ModuleDict({n: copy.deepcopy(getattr(self, n)) for n in self.generators})
        self.ema.requires_grad_(False)

    @torch.no_grad()
    def update_ema(self) -> None:
        if self.ema is None:
            return
        for name in self.generators:
            live, avg = getattr(self, name), self.ema[name]
            torch._foreach_lerp_(
                list(avg.parameters()), list(live.parameters()), 1 - self.ema_decay
            )
            for b_avg, b_live in zip(avg.buffers(), live.buffers(), strict=True):
                b_avg.copy_(b_live)

    def sampler(self, name: str = "G") -> nn.Module:
        """The network to draw samples from: its EMA copy when EMA is on."""
        return self.ema[name] if self.ema is not None else getattr(self, name)


UPDATES = ("alternating", "simultaneous", "extragradient")
OBJECTIVES = ("adversarial", "feature_matching")


@dataclass
class StandardOptions:
    """The standard game's options (``[game]`` keys)."""

    loss: str = "ns"  # an adversarial loss by name (gansci losses)
    penalty: str = ""  # a regulariser of D by name (gansci penalties); "" : the loss's own
    penalty_weight: float = 10.0
    n_critic: int = 1  # D steps per G step
    update: str = "alternating"  # alternating | simultaneous | extragradient
    label_smoothing: float = 0.0  # one-sided, for the BCE losses
    instance_noise: float = 0.0  # std of Gaussian noise on what D sees
    instance_noise_steps: int = 0  # anneal the noise to zero over this many steps
    objective: str = "adversarial"  # adversarial | feature_matching
    augment: str = ""  # a differentiable augmentation of everything D sees
    consistency: str = ""  # an augmentation for consistency regularisation of D
    consistency_weight: float = 10.0


class StandardGame(Game):
    """G against D: ``n_critic`` D steps per G step, or simultaneous / extragradient updates.

    Every stabiliser is an option here: a penalty on D, one-sided label smoothing,
    instance noise (annealed to zero over ``instance_noise_steps``), a differentiable
    augmentation applied to everything D sees (DiffAugment), consistency regularisation
    of D under an augmentation, and the feature-matching generator objective.
    ``StandardGame(G, D, StandardOptions(loss="hinge"))`` builds one directly.
    """

    Options = StandardOptions
    roles = {"G": "generators", "D": "discriminators"}
    capturable = True

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        options: StandardOptions | None = None,
        ctx: GameContext | None = None,
    ):
        super().__init__()
        o = options or StandardOptions()
        ctx = ctx or GameContext(data=None)  # type: ignore[arg-type]
        check_standard_options(o)
        self.G, self.D = G, D
        self.seeds = seeds_of(G)
        if seeds_of(D) != self.seeds:
            raise ConfigError(f"G stacks {self.seeds} seeds but D {seeds_of(D)}: stack both alike")
        self.loss = ctx.losses(o.loss)
        if o.label_smoothing and not self.loss.smoothable:
            raise ConfigError(
                f"game.label_smoothing applies to the BCE losses (ns, minimax), not {o.loss!r}"
            )
        penalty = o.penalty or self.loss.penalty
        self.penalty = ctx.penalties(penalty) if penalty else None
        if o.objective == "feature_matching" and not hasattr(D, "features"):
            raise ConfigError(
                "game.objective=feature_matching needs a discriminator with features()"
            )
        self.penalty_weight = o.penalty_weight
        self.n_critic = o.n_critic
        self.update = o.update
        self.label_smoothing = o.label_smoothing
        self.instance_noise, self.instance_noise_steps = o.instance_noise, o.instance_noise_steps
        self.objective = o.objective
        self.augment = ctx.augmentations(o.augment) if o.augment else None
        self.consistency = ctx.augmentations(o.consistency) if o.consistency else None
        self.consistency_weight = o.consistency_weight
        self.options = o
        # kinds of D's input leaves; None: by dtype (floating: continuous)
        self.kinds = ctx.data.kinds if ctx.data is not None else None
        self.register_buffer("steps_done", torch.zeros((), dtype=torch.long))

    @classmethod
    def build(cls, ctx: GameContext, options: StandardOptions) -> StandardGame:
        D = ctx.network("D")  # D first: the order the weights are drawn in
        return cls(ctx.network("G"), D, options, ctx)

    def players(self) -> dict[str, list[nn.Parameter]]:
        return {"G": list(self.G.parameters()), "D": list(self.D.parameters())}

    def latent(
        self, n: int, generator: torch.Generator | None = None, dim: int | None = None
    ) -> Tensor:
        """``n`` standard-normal latents of G's ``latent_dim`` (or ``dim``) on G's device;
        a ``generator`` (on the CPU) makes them reproducible on any device."""
        device = next(self.G.parameters()).device
        dim = self.G.latent_dim if dim is None else dim
        if generator is None:  # in a step of several processes: this rank's share
            return distributed.draw(lambda g, m: torch.randn(m, dim, device=device, generator=g), n)
        return torch.randn(n, dim, generator=generator).to(device)

    # -- what D sees ---------------------------------------------------------------------

    def _d_in(self, batch: Batch) -> Batch:
        if self.augment is not None:
            batch = self.augment(batch)
        if self.instance_noise > 0:
            sigma = torch.full((), self.instance_noise, device=self.steps_done.device)
            if self.instance_noise_steps > 0:
                sigma = sigma * (1 - self.steps_done / self.instance_noise_steps).clamp_min(0)
            batch = add_noise(batch, sigma, self.kinds)
        return batch

    def d_loss(self, real: Batch, fake: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """D's loss on a real and a (detached) fake batch, with every regulariser."""
        D, seeds = self.D, self.seeds
        real_in, fake_in = self._d_in(real), self._d_in(tree_map(Tensor.detach, fake))
        on_real = self.penalty.on_real if self.penalty is not None else None
        if on_real is not None:  # the penalty's gradient from this forward pass on real data
            real_in = with_input_grad(real_in, self.kinds)
        d_real, d_fake = D(real_in), D(fake_in)
        loss = per_seed(self.loss.discriminator, seeds, d_real, d_fake)
        if self.label_smoothing:
            # BCE against target 1 - s on real logits r adds exactly s * r (softplus identity)
            loss = loss + self.label_smoothing * seed_mean(d_real, seeds)
        pen = torch.zeros_like(loss)
        if on_real is not None:
            pen = on_real(d_real, real_in, seeds)
        elif self.penalty is not None:
            pen = self.penalty(D, real_in, fake_in, self.kinds)
        if self.penalty is not None:
            loss = loss + self.penalty_weight * pen
        if self.consistency is not None:
            cons = seed_mean((D(self.consistency(real_in)) - d_real).pow(2), seeds)
            loss = loss + self.consistency_weight * cons
        d_real, d_fake = d_real.detach(), d_fake.detach()
        hits = seed_mean((d_real > 0).float(), seeds) + seed_mean((d_fake < 0).float(), seeds)
        stats = {
            "loss_d": loss.detach(),
            "penalty": pen.detach(),
            "d_real": seed_mean(d_real, seeds),
            "d_fake": seed_mean(d_fake, seeds),
            "d_acc": hits / 2,
        }
        return loss, stats

    def g_loss(self, real: Batch, fake: Batch) -> Tensor:
        """G's loss on a fake batch (``real`` for relativistic losses and feature matching)."""
        D = self.D
        if self.objective == "feature_matching":
            target = D.features(self._d_in(real)).mean(0).detach()
            return (D.features(self._d_in(fake)).mean(0) - target).pow(2).sum()
        g_real = D(self._d_in(real)).detach() if self.loss.relativistic else None
        return per_seed(self.loss.generator, self.seeds, D(self._d_in(fake)), g_real)

    # -- one step ------------------------------------------------------------------------

    def fake_batch(self, real: Batch) -> Batch:
        """A fake batch to set against ``real``; games that condition G on real data
        (e.g. on the current state of a dynamical system) override this."""
        return self.G(self.latent(batch_len(real)))

    def step(self, sample_real: SampleReal, players: dict[str, Player]) -> dict[str, Tensor]:
        G, D = players["G"], players["D"]
        if self.update == "alternating":
            for _ in range(self.n_critic):
                real = sample_real()
                with torch.no_grad():
                    fake = self.fake_batch(real)
                stats = self._critic_step(real, fake, D)
            loss_g = self.g_loss(real, self.fake_batch(real))
            G.step(loss_g)
        else:  # simultaneous or extragradient: both gradients at the same point
            real = sample_real()
            z = self.latent(batch_len(real))
            rounds = 2 if self.update == "extragradient" else 1
            for r in range(rounds):
                fake = self.G(z)
                loss_d, stats = self.d_loss(real, fake)
                loss_g = self.g_loss(real, fake)
                D.backward(loss_d)
                G.backward(loss_g)
                for player in (D, G):
                    player.extrapolate() if r < rounds - 1 else player.update()
                self._clip()
        self.steps_done += 1
        return {**stats, "loss_g": loss_g.detach()}

    def _critic_step(self, real: Batch, fake: Batch, D: Player) -> dict[str, Tensor]:
        """One update of D; its loss's graph, which the player keeps, is freed on return
        (before G's step needs the memory)."""
        loss_d, stats = self.d_loss(real, fake)
        D.step(loss_d)
        self._clip()
        return stats

    def _clip(self) -> None:
        if self.loss.weight_clip:
            clip_weights_(self.D, self.loss.weight_clip)

    @torch.no_grad()
    def generate(
        self, n: int, cond: Batch | None = None, generator: torch.Generator | None = None
    ) -> Batch:
        if cond is not None:
            raise ConfigError("the standard game's generator is unconditional: no cond")
        G = self.sampler("G")
        was_training = G.training
        G.eval()
        chunks = [G(self.latent(min(4096, n - i), generator)) for i in range(0, n, 4096)]
        G.train(was_training)
        return concat(chunks)


def check_standard_options(o: StandardOptions) -> None:
    """Raise ConfigError naming the option for any value the standard game cannot use."""
    if o.update not in UPDATES:
        raise ConfigError(f"game.update: unknown update {o.update!r}; valid: {', '.join(UPDATES)}")
    if o.update != "alternating" and o.n_critic != 1:
        raise ConfigError(
            f"game.update={o.update!r} takes both players' steps together: n_critic=1"
        )
    if o.n_critic < 1:
        raise ConfigError(f"game.n_critic must be at least 1, got {o.n_critic}")
    if o.objective not in OBJECTIVES:
        raise ConfigError(
            f"game.objective: unknown objective {o.objective!r}; valid: {', '.join(OBJECTIVES)}"
        )
    if not 0 <= o.label_smoothing < 1:
        raise ConfigError(f"game.label_smoothing must be in [0, 1), got {o.label_smoothing}")
    for key in ("penalty_weight", "instance_noise", "consistency_weight"):
        if not getattr(o, key) >= 0:
            raise ConfigError(f"game.{key} must be >= 0, got {getattr(o, key)}")
