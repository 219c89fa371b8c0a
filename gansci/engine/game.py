"""Games: who the players are, which networks each owns, and one training step."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from gansci.data import Batch, Dataset, batch_len, concat
from gansci.engine.losses import Loss, clip_weights_
from gansci.engine.penalties import Penalty

if TYPE_CHECKING:
    from gansci.engine.trainer import Player

SampleReal = Callable[[], Batch]


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
    """G against D with alternating updates: ``n_critic`` D steps per G step."""

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        loss: Loss,
        penalty: Penalty | None = None,
        penalty_weight: float = 10.0,
        n_critic: int = 1,
    ):
        super().__init__()
        self.G, self.D = G, D
        self.loss, self.penalty = loss, penalty
        self.penalty_weight = penalty_weight
        self.n_critic = n_critic

    def players(self) -> dict[str, list[nn.Parameter]]:
        return {"G": list(self.G.parameters()), "D": list(self.D.parameters())}

    def latent(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        device = next(self.G.parameters()).device
        if generator is None:
            return torch.randn(n, self.G.latent_dim, device=device)
        return torch.randn(n, self.G.latent_dim, generator=generator).to(device)

    def step(self, sample_real: SampleReal, players: dict[str, Player]) -> dict[str, Tensor]:
        G, D, loss = self.G, self.D, self.loss
        for _ in range(self.n_critic):
            real = sample_real()
            with torch.no_grad():
                fake = G(self.latent(batch_len(real)))
            d_real, d_fake = D(real), D(fake)
            loss_d = loss.discriminator(d_real, d_fake)
            pen = self.penalty(D, real, fake) if self.penalty else d_real.new_zeros(())
            players["D"].step(loss_d + self.penalty_weight * pen if self.penalty else loss_d)
            if loss.weight_clip:
                clip_weights_(D, loss.weight_clip)
        fake = G(self.latent(batch_len(real)))
        g_fake = D(fake)
        g_real = D(real).detach() if loss.relativistic else None
        loss_g = loss.generator(g_fake, g_real)
        players["G"].step(loss_g)
        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "penalty": pen.detach(),
            "d_real": d_real.detach().mean(),
            "d_fake": d_fake.detach().mean(),
            "d_acc": ((d_real > 0).float().mean() + (d_fake < 0).float().mean()).detach() / 2,
        }

    @torch.no_grad()
    def generate(self, n: int, generator: torch.Generator | None = None) -> Batch:
        G = self.sampler("G")
        was_training = G.training
        G.eval()
        chunks = [G(self.latent(min(4096, n - i), generator)) for i in range(0, n, 4096)]
        G.train(was_training)
        return concat(chunks)


def standard_game(
    data: Dataset,
    make_generator: Callable[[], nn.Module],
    make_discriminator: Callable[[], nn.Module],
    loss: str = "ns",
    penalty: str = "",
    penalty_weight: float = 10.0,
    n_critic: int = 1,
) -> StandardGame:
    """The registered factory of the standard game: losses and penalties by name."""
    from gansci.registry import get_registry

    reg = get_registry()
    loss_obj: Loss = reg.get("losses", loss).factory()
    penalty = penalty or loss_obj.penalty
    pen = reg.get("penalties", penalty).factory() if penalty else None
    return StandardGame(
        make_generator(), make_discriminator(), loss_obj, pen, penalty_weight, n_critic
    )
