"""Games: who the players are, which networks each owns, and one training step."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_map

from gansci.data import Batch, Dataset, batch_len, concat
from gansci.engine.losses import Loss, clip_weights_
from gansci.engine.penalties import Penalty
from gansci.errors import ConfigError
from gansci.kinds import Kinds, add_noise

if TYPE_CHECKING:
    from gansci.engine.trainer import Player

SampleReal = Callable[[], Batch]
Augment = Callable[[Batch], Batch]


class Game(nn.Module):
    """A training objective over some networks, split between players.

    Subclasses set ``generators`` (the attribute names of the networks that generate,
    which EMA averages and sampling uses) and implement :meth:`players`, :meth:`step`
    and :meth:`generate`. As an ``nn.Module`` its state dict holds every network.
    """

    generators: tuple[str, ...] = ("G",)

    def __init__(self) -> None:
        super().__init__()
        self.ema: nn.ModuleDict | None = None
        self.ema_decay = 0.0

    def players(self) -> dict[str, list[nn.Parameter]]:
        """Parameters per player; the trainer gives each player its own optimiser."""
        raise NotImplementedError

    def step(self, sample_real: SampleReal, players: dict[str, Player]) -> dict[str, Tensor]:
        """One training step; returns detached scalars to log (never synced here)."""
        raise NotImplementedError

    def generate(self, n: int, generator: torch.Generator | None = None) -> Batch:
        """``n`` fake samples as a model batch, from the EMA weights when they are on."""
        raise NotImplementedError

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


class StandardGame(Game):
    """G against D: ``n_critic`` D steps per G step, or simultaneous / extragradient updates.

    Every stabiliser is an option here: a penalty on D, one-sided label smoothing,
    instance noise (annealed to zero over ``instance_noise_steps``), a differentiable
    augmentation applied to everything D sees (DiffAugment), consistency regularisation
    of D under an augmentation, and the feature-matching generator objective.
    """

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        loss: Loss,
        penalty: Penalty | None = None,
        penalty_weight: float = 10.0,
        n_critic: int = 1,
        update: str = "alternating",
        label_smoothing: float = 0.0,
        instance_noise: float = 0.0,
        instance_noise_steps: int = 0,
        objective: str = "adversarial",
        augment: Augment | None = None,
        consistency: Augment | None = None,
        consistency_weight: float = 10.0,
        kinds: Kinds | None = None,
    ):
        super().__init__()
        self.G, self.D = G, D
        self.loss, self.penalty = loss, penalty
        self.penalty_weight = penalty_weight
        self.n_critic = n_critic
        self.update = update
        self.label_smoothing = label_smoothing
        self.instance_noise, self.instance_noise_steps = instance_noise, instance_noise_steps
        self.objective = objective
        self.augment, self.consistency = augment, consistency
        self.consistency_weight = consistency_weight
        self.kinds = kinds  # of D's input leaves; None: by dtype (floating: continuous)
        self.register_buffer("steps_done", torch.zeros((), dtype=torch.long))

    def players(self) -> dict[str, list[nn.Parameter]]:
        return {"G": list(self.G.parameters()), "D": list(self.D.parameters())}

    def latent(
        self, n: int, generator: torch.Generator | None = None, dim: int | None = None
    ) -> Tensor:
        """``n`` standard-normal latents of G's ``latent_dim`` (or ``dim``) on G's device;
        a ``generator`` (on the CPU) makes them reproducible on any device."""
        device = next(self.G.parameters()).device
        dim = self.G.latent_dim if dim is None else dim
        if generator is None:
            return torch.randn(n, dim, device=device)
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
        D = self.D
        real_in, fake_in = self._d_in(real), self._d_in(tree_map(Tensor.detach, fake))
        d_real, d_fake = D(real_in), D(fake_in)
        loss = self.loss.discriminator(d_real, d_fake)
        if self.label_smoothing:
            # BCE against target 1 - s on real logits r adds exactly s * r (softplus identity)
            loss = loss + self.label_smoothing * d_real.mean()
        pen = d_real.new_zeros(())
        if self.penalty is not None:
            pen = self.penalty(D, real_in, fake_in, self.kinds)
            loss = loss + self.penalty_weight * pen
        if self.consistency is not None:
            cons = (D(self.consistency(real_in)) - d_real).pow(2).mean()
            loss = loss + self.consistency_weight * cons
        stats = {
            "loss_d": loss.detach(),
            "penalty": pen.detach(),
            "d_real": d_real.detach().mean(),
            "d_fake": d_fake.detach().mean(),
            "d_acc": ((d_real > 0).float().mean() + (d_fake < 0).float().mean()).detach() / 2,
        }
        return loss, stats

    def g_loss(self, real: Batch, fake: Batch) -> Tensor:
        """G's loss on a fake batch (``real`` for relativistic losses and feature matching)."""
        D = self.D
        if self.objective == "feature_matching":
            target = D.features(self._d_in(real)).mean(0).detach()
            return (D.features(self._d_in(fake)).mean(0) - target).pow(2).sum()
        g_real = D(self._d_in(real)).detach() if self.loss.relativistic else None
        return self.loss.generator(D(self._d_in(fake)), g_real)

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
                loss_d, stats = self.d_loss(real, fake)
                D.step(loss_d)
                self._clip()
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

    def _clip(self) -> None:
        if self.loss.weight_clip:
            clip_weights_(self.D, self.loss.weight_clip)

    @torch.no_grad()
    def generate(self, n: int, generator: torch.Generator | None = None) -> Batch:
        G = self.sampler("G")
        was_training = G.training
        G.eval()
        chunks = [G(self.latent(min(4096, n - i), generator)) for i in range(0, n, 4096)]
        G.train(was_training)
        return concat(chunks)


UPDATES = ("alternating", "simultaneous", "extragradient")
OBJECTIVES = ("adversarial", "feature_matching")


def standard_game(
    data: Dataset,
    make_generator: Callable[[], nn.Module],
    make_discriminator: Callable[[], nn.Module],
    loss: str = "ns",
    penalty: str = "",
    penalty_weight: float = 10.0,
    n_critic: int = 1,
    update: str = "alternating",
    label_smoothing: float = 0.0,
    instance_noise: float = 0.0,
    instance_noise_steps: int = 0,
    objective: str = "adversarial",
    augment: str = "",
    consistency: str = "",
    consistency_weight: float = 10.0,
) -> StandardGame:
    """The registered factory of the standard game: losses, penalties and augmentations
    by name, every option checked here so a wrong one fails before training."""
    from gansci.registry import get_registry

    reg = get_registry()
    loss_obj: Loss = reg.get("losses", loss).factory()
    penalty = penalty or loss_obj.penalty
    pen = reg.get("penalties", penalty).factory() if penalty else None
    if update not in UPDATES:
        raise ConfigError(f"game.update: unknown update {update!r}; valid: {', '.join(UPDATES)}")
    if update != "alternating" and n_critic != 1:
        raise ConfigError(f"game.update={update!r} takes both players' steps together: n_critic=1")
    if objective not in OBJECTIVES:
        raise ConfigError(
            f"game.objective: unknown objective {objective!r}; valid: {', '.join(OBJECTIVES)}"
        )
    if label_smoothing and not loss_obj.smoothable:
        raise ConfigError(
            f"game.label_smoothing applies to the BCE losses (ns, minimax), not {loss!r}"
        )
    if not 0 <= label_smoothing < 1:
        raise ConfigError(f"game.label_smoothing must be in [0, 1), got {label_smoothing}")

    def augmentation(name: str) -> Augment | None:
        if not name:
            return None
        spec = reg.get("augmentations", name)
        if spec.domains and not set(spec.domains) & set(data.domains):
            raise ConfigError(f"augmentation {name!r} is for {spec.domains}, not {data.domains}")
        return spec.factory(data)

    D = make_discriminator()
    if objective == "feature_matching" and not hasattr(D, "features"):
        raise ConfigError("game.objective=feature_matching needs a discriminator with features()")
    return StandardGame(
        make_generator(),
        D,
        loss_obj,
        pen,
        penalty_weight,
        n_critic,
        update,
        label_smoothing,
        instance_noise,
        instance_noise_steps,
        objective,
        augmentation(augment),
        augmentation(consistency),
        consistency_weight,
        data.kinds,
    )
