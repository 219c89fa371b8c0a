"""A GAN of the dynamics: G learns the map x_t -> x_t+1 from observed transitions, and
samples of the invariant measure are drawn by iterating it.

A smooth generator of a low-dimensional latent cannot fold its image into the layers of a
fractal attractor (the Hénon attractor's lie ~0.002 apart); the system's own map is
smooth, and its iterates draw every layer. D sees transitions (x_t, x_t+1): real ones,
and (x_t, G(x_t, z)) with x_t from the data, so G is judged on the dynamics, not on one
distribution of points. The noise z lets G model stochastic dynamics too.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gansci.plugin import (
    MLP,
    Batch,
    ConfigError,
    Dataset,
    GameContext,
    StandardGame,
    StandardOptions,
)


def require_transitions(data: Dataset, who: str) -> None:
    if not getattr(data, "transitions", False):
        raise ConfigError(
            f"{who} transitions: set data.transitions=true (a dataset of consecutive states)"
        )


class MapGenerator(nn.Module):
    """One step of a dynamical system as a generator: its latent is a state x_t joined by
    ``latent_dim`` noise coordinates z, its sample the transition (x_t, x_t + MLP(x_t, z)),
    shaped like a transitions dataset's samples.

    With ``degree=k`` the MLP also sees every monomial of x_t up to degree k, a library of
    candidate terms as in SINDy (Brunton et al. 2016); with ``depth=0`` the step is then a
    polynomial map, exact for systems such as Hénon's.
    """

    def __init__(
        self,
        data: Dataset,
        latent_dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        activation: str = "silu",
        degree: int = 1,
    ):
        super().__init__()
        require_transitions(data, "generator 'map' learns from")
        if degree < 1:
            raise ConfigError(f"generator 'map': degree must be >= 1, got {degree}")
        self.dim, self.noise_dim = data.train.shape[-1], latent_dim
        self.latent_dim = self.dim + latent_dim
        self.monomials = [
            list(c)
            for k in range(2, degree + 1)
            for c in itertools.combinations_with_replacement(range(self.dim), k)
        ]
        n_in = self.latent_dim + len(self.monomials)
        self.net = MLP(n_in, self.dim, hidden, depth, activation)

    def features(self, x: Tensor, z: Tensor) -> Tensor:
        """What the MLP sees: x_t, z and the monomials of x_t of degree 2 .. ``degree``."""
        return torch.cat([x, z, *(x[:, c].prod(1, keepdim=True) for c in self.monomials)], 1)

    def step(self, x: Tensor, z: Tensor) -> Tensor:
        return x + self.net(self.features(x, z))

    def forward(self, latent: Tensor) -> Tensor:
        x = latent[:, : self.dim]
        return torch.stack([x, self.step(x, latent[:, self.dim :])], 1)


@dataclass
class TransitionOptions(StandardOptions):
    """The standard game's options, plus how samples are drawn."""

    burn_in: int = 200  # iterates dropped at the start of each orbit
    orbits: int = 256  # orbits run side by side, each from its own training state
    bound: float = 10.0  # states are clamped to this many standard deviations
    n_starts: int = 1024  # training states kept with the weights as orbit starts


class TransitionGame(StandardGame):
    """The standard game on transitions: fakes are (x_t, G(x_t, z)) for real x_t.

    ``generate`` runs ``orbits`` orbits of the (EMA) map from distinct training states,
    drops the first ``burn_in`` iterates, and returns consecutive pairs of the rest; states
    are clamped to ``bound`` standard deviations so a map that escapes stays finite.
    """

    Options = TransitionOptions

    def __init__(self, G: nn.Module, D: nn.Module, options: TransitionOptions, ctx: GameContext):
        super().__init__(G, D, options, ctx)
        data = ctx.data
        require_transitions(data, "game 'transition' trains on")
        if options.update != "alternating":
            raise ConfigError("game 'transition' takes alternating updates only")
        n_starts = min(options.n_starts, data.n_train)
        if options.burn_in < 0 or not 1 <= options.orbits <= n_starts:
            raise ConfigError(
                f"game 'transition': needs burn_in >= 0 and 1 <= orbits <= n_starts (each orbit "
                f"from its own training state), got burn_in={options.burn_in}, "
                f"orbits={options.orbits} and {n_starts} starts"
            )
        pick = torch.randperm(data.n_train)[:n_starts]
        self.register_buffer("starts", data.train[pick.to(data.train.device), 0].cpu())
        self.burn_in, self.orbits, self.bound = options.burn_in, options.orbits, options.bound

    def fake_batch(self, real: Batch) -> Batch:
        x = real[:, 0]
        return self.G(torch.cat([x, self.latent(len(x), dim=self.G.noise_dim)], 1))

    @torch.no_grad()
    def generate(
        self, n: int, cond: Batch | None = None, generator: torch.Generator | None = None
    ) -> Batch:
        if cond is not None:
            raise ConfigError("game 'transition' samples orbits of its map: no cond")
        G = self.sampler("G")
        was_training = G.training
        G.eval()
        m = min(self.orbits, n)
        # distinct starts: two orbits of a deterministic map from one state are one orbit
        pick = torch.randperm(len(self.starts), generator=generator)[:m]
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
