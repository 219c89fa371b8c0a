"""A GAN of the dynamics: G learns the map x_t -> x_t+1 from observed transitions, and
samples of the invariant measure are drawn by iterating it.

A smooth generator of a low-dimensional latent cannot fold its image into the layers of a
fractal attractor (the Hénon attractor's lie ~0.002 apart); the system's own map is
smooth, and its iterates draw every layer. D sees transitions (x_t, x_t+1): real ones,
and (x_t, G(x_t, z)) with x_t from the data, so G is judged on the dynamics, not on one
distribution of points. The noise z lets G model stochastic dynamics too.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import torch
from torch import Tensor, nn

from gansci.config import check_params
from gansci.data import Batch, Dataset
from gansci.engine.game import StandardGame, standard_game
from gansci.errors import ConfigError
from gansci.nets.mlp import MLP


def require_transitions(data: Dataset, who: str) -> None:
    if not getattr(data, "transitions", False):
        raise ConfigError(
            f"{who} transitions: set data.transitions=true (a dataset of consecutive states)"
        )


class MapGenerator(nn.Module):
    """One step of a dynamical system as a generator: its latent is a state x_t joined by
    ``latent_dim`` noise coordinates z, its sample the transition (x_t, x_t + MLP(x_t, z)),
    shaped like a transitions dataset's samples."""

    def __init__(
        self,
        data: Dataset,
        latent_dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        activation: str = "silu",
    ):
        super().__init__()
        require_transitions(data, "generator 'map' learns from")
        self.dim, self.noise_dim = data.train.shape[-1], latent_dim
        self.latent_dim = self.dim + latent_dim
        self.net = MLP(self.latent_dim, self.dim, hidden, depth, activation)

    def step(self, x: Tensor, z: Tensor) -> Tensor:
        return x + self.net(torch.cat([x, z], 1))

    def forward(self, latent: Tensor) -> Tensor:
        x = latent[:, : self.dim]
        return torch.stack([x, self.step(x, latent[:, self.dim :])], 1)


class TransitionGame(StandardGame):
    """The standard game on transitions: fakes are (x_t, G(x_t, z)) for real x_t.

    ``generate`` runs ``orbits`` orbits of the (EMA) map from training states, drops the
    first ``burn_in`` iterates, and returns consecutive pairs of the rest; states are
    clamped to ``bound`` standard deviations so a map that escapes stays finite.
    """

    def __init__(self, *args, starts: Tensor, burn_in: int, orbits: int, bound: float, **kw):
        super().__init__(*args, **kw)
        self.register_buffer("starts", starts)
        self.burn_in, self.orbits, self.bound = burn_in, orbits, bound

    def fake_batch(self, real: Batch) -> Batch:
        x = real[:, 0]
        return self.G(torch.cat([x, self.latent(len(x), dim=self.G.noise_dim)], 1))

    @torch.no_grad()
    def generate(self, n: int, generator: torch.Generator | None = None) -> Batch:
        G = self.sampler("G")
        was_training = G.training
        G.eval()
        m = min(self.orbits, n)
        pick = torch.randint(len(self.starts), (m,), generator=generator)
        x = self.starts[pick.to(self.starts.device)]
        per = -(-n // m) + 1  # iterates kept per orbit: n pairs need n + m states
        states = []
        for i in range(self.burn_in + per):
            z = self.latent(m, generator, dim=G.noise_dim)
            x = G.step(x, z).clamp(-self.bound, self.bound)
            if i >= self.burn_in:
                states.append(x)
        G.train(was_training)
        path = torch.stack(states, 1)  # (m, per, d)
        pairs = torch.stack([path[:, :-1], path[:, 1:]], 2).flatten(0, 1)
        return pairs[:n]


def transition_game(
    data: Dataset,
    make_generator: Callable[[], nn.Module],
    make_discriminator: Callable[[], nn.Module],
    burn_in: int = 200,
    orbits: int = 256,
    bound: float = 10.0,
    n_starts: int = 1024,
    **options,
) -> TransitionGame:
    """The registered factory: the standard game's options, plus how samples are drawn
    (``burn_in`` iterates dropped, ``orbits`` run side by side from ``n_starts`` training
    states kept with the weights)."""
    require_transitions(data, "game 'transition' trains on")
    if options.get("update", "alternating") != "alternating":
        raise ConfigError("game 'transition' takes alternating updates only")
    if burn_in < 0 or orbits < 1 or n_starts < 1:
        raise ConfigError(
            f"game 'transition': burn_in >= 0, orbits >= 1 and n_starts >= 1, got "
            f"{burn_in}, {orbits}, {n_starts}"
        )
    options = check_params(standard_game, options, "game", skip=3)  # the rest are its
    base = standard_game(data, make_generator, make_discriminator, **options)
    pick = torch.randperm(data.n_train)[:n_starts]
    starts = data.train[pick.to(data.train.device), 0].cpu()
    same = {name: getattr(base, name) for name in inspect.signature(StandardGame).parameters}
    return TransitionGame(**same, starts=starts, burn_in=burn_in, orbits=orbits, bound=bound)
