"""A small VAE as a comparison model, registered as a game: one player ("G": encoder,
decoder and observation noise) trained on the negative ELBO, no discriminator.

It is a game rather than a generator because its objective is its own (reconstruction
plus KL, with an encoder the sampler never uses), while its decoder is any registered
generator, so a GAN and a VAE with the same decoder differ only in the objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gansci.plugin import MLP, Batch, ConfigError, Game, GameContext, SampleReal, concat


@dataclass
class VAEOptions:
    """The VAE's options (``[game]`` keys)."""

    beta: float = 1.0  # weight of the KL term
    hidden: int = 128  # the encoder's width
    depth: int = 3  # the encoder's hidden layers
    sample_noise: bool = True  # samples are G(z) plus the learned observation noise


class VAEGame(Game):
    """Gaussian encoder q(z|x), decoder G(z) with learned per-axis Gaussian noise; samples
    are G(z) plus that noise, as a VAE's generative model defines them. The ``G`` role is
    the decoder; there is no discriminator."""

    Options = VAEOptions
    roles = {"G": "generators"}
    generators = ("G",)

    def __init__(self, G: nn.Module, dim: int, options: VAEOptions):
        super().__init__()
        self.G = G
        self.encoder = MLP(dim, 2 * G.latent_dim, options.hidden, options.depth, "relu")
        self.log_sigma = nn.Parameter(torch.full((dim,), -1.0))
        self.beta = options.beta
        self.sample_noise = options.sample_noise

    @classmethod
    def build(cls, ctx: GameContext, options: VAEOptions) -> VAEGame:
        dim = int(torch.as_tensor(ctx.data.train[:1]).flatten(1).shape[1])
        return cls(ctx.network("G"), dim, options)

    def players(self) -> dict[str, list[nn.Parameter]]:
        return {"G": [*self.G.parameters(), *self.encoder.parameters(), self.log_sigma]}

    def step(self, sample_real: SampleReal, players) -> dict[str, Tensor]:
        x = sample_real().flatten(1)
        mu, log_var = self.encoder(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * log_var).exp()
        x_hat = self.G(z).flatten(1)
        nll = (0.5 * ((x - x_hat) / self.log_sigma.exp()) ** 2 + self.log_sigma).sum(1)
        kl = 0.5 * (mu**2 + log_var.exp() - 1.0 - log_var).sum(1)
        loss = (nll + self.beta * kl).mean()
        players["G"].step(loss)
        return {
            "loss_g": loss.detach(),
            "nll": nll.mean().detach(),
            "kl": kl.mean().detach(),
            "sigma": self.log_sigma.detach().exp().mean(),
        }

    @torch.no_grad()
    def generate(
        self, n: int, cond: Batch | None = None, generator: torch.Generator | None = None
    ) -> Batch:
        if cond is not None:
            raise ConfigError("game 'vae' is unconditional: no cond")
        G = self.sampler("G")
        was_training = G.training
        G.eval()
        device = self.log_sigma.device
        chunks = []
        for i in range(0, n, 4096):
            m = min(4096, n - i)
            z = torch.randn(m, G.latent_dim, generator=generator).to(device)
            x = G(z)
            if self.sample_noise:
                eps = torch.randn(x.shape, generator=generator).to(device)
                x = x + eps * self.log_sigma.exp().view(1, *x.shape[1:])
            chunks.append(x)
        G.train(was_training)
        return concat(chunks)
