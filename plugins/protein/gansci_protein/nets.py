"""Networks: a 1-D convolutional residual generator of per-position logits, and three
discriminators (the PWM scanner with a small head, a convolutional critic, both summed)."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from gansci.plugin import ConfigError
from gansci_protein.data import ProteinDataset

MODES = ("gumbel", "relaxed")


class ResBlock(nn.Module):
    """ReLU -> conv -> ReLU -> conv, added back at 0.3 (the residual block of the WGAN-GP
    language and DNA GANs)."""

    def __init__(self, channels: int, kernel_size: int):
        super().__init__()
        pad = kernel_size // 2
        self.body = nn.Sequential(
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size, padding=pad),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size, padding=pad),
        )

    def forward(self, h: Tensor) -> Tensor:
        return h + 0.3 * self.body(h)


class ConvGenerator(nn.Module):
    """Latent -> linear to ``(channels, L)`` -> residual conv blocks -> logits ``(n, L, A)``.

    ``mode="gumbel"``: in training, straight-through Gumbel-softmax (hard one-hot forward,
    soft gradient at ``temperature``); ``mode="relaxed"``: the softmax itself (for WGAN-GP).
    ``profile_init`` starts the per-position bias at the training profile.
    ``mapping_layers`` puts that many ReLU layers of width ``mapping_width`` on the latent
    before the linear map to positions: without them the features entering the blocks are
    linear in the latent, a poor basis for discrete choices such as where a motif starts.
    In eval mode, gumbel emits the per-position probabilities (decode samples from them,
    exactly the training distribution) and relaxed emits the argmax one-hot.
    """

    def __init__(
        self,
        data: ProteinDataset,
        latent_dim: int = 64,
        channels: int = 64,
        blocks: int = 3,
        kernel_size: int = 5,
        mode: str = "gumbel",
        temperature: float = 1.0,
        profile_init: bool = False,
        mapping_layers: int = 0,
        mapping_width: int = 128,
    ):
        super().__init__()
        if mode not in MODES:
            raise ConfigError(f"generator.mode: unknown mode {mode!r}; valid: {', '.join(MODES)}")
        self.latent_dim, self.mode, self.temperature = latent_dim, mode, temperature
        self.length, self.n_symbols = data.length, int(data.train.shape[-1])
        self.channels = channels
        mapping: list[nn.Module] = []
        width = latent_dim
        for _ in range(mapping_layers):
            mapping += [nn.Linear(width, mapping_width), nn.ReLU()]
            width = mapping_width
        self.mapping = nn.Sequential(*mapping)
        self.fc = nn.Linear(width, channels * self.length)
        self.blocks = nn.Sequential(*[ResBlock(channels, kernel_size) for _ in range(blocks)])
        self.out = nn.Conv1d(channels, self.n_symbols, 1)
        # A learned per-position bias; with profile_init it starts at the log-frequencies of
        # the training set (as one initialises a classifier's bias to the label prior), so
        # the adversarial game starts from the family's profile, not from uniform noise.
        self.profile = nn.Parameter(torch.zeros(self.length, self.n_symbols))
        if profile_init:
            freq = data.train.float().mean(0).cpu()
            self.profile.data.copy_(torch.log(freq + 1e-3))

    def logits(self, z: Tensor) -> Tensor:
        h = self.fc(self.mapping(z)).view(-1, self.channels, self.length)
        return self.out(self.blocks(h)).transpose(1, 2) + self.profile

    def forward(self, z: Tensor) -> Tensor:
        logits = self.logits(z)
        if not self.training:
            if self.mode == "gumbel":
                return logits.softmax(-1)
            return F.one_hot(logits.argmax(-1), self.n_symbols).to(logits.dtype)
        if self.mode == "gumbel":
            return F.gumbel_softmax(logits, tau=self.temperature, hard=True)
        return (logits / self.temperature).softmax(-1)


class CNNDiscriminator(nn.Module):
    """One-hot ``(n, L, A)`` -> conv -> residual conv blocks -> linear over all positions.

    The recipes spectrally normalise it (``discriminator.spectral_norm=true``)."""

    def __init__(
        self, data: ProteinDataset, channels: int = 64, blocks: int = 2, kernel_size: int = 5
    ):
        super().__init__()
        self.inp = nn.Conv1d(
            int(data.train.shape[-1]), channels, kernel_size, padding=kernel_size // 2
        )
        self.blocks = nn.Sequential(*[ResBlock(channels, kernel_size) for _ in range(blocks)])
        self.head = nn.Linear(channels * data.length, 1)

    def features(self, x: Tensor) -> Tensor:
        return self.blocks(self.inp(x.transpose(1, 2))).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x)).squeeze(-1)


class PWMDiscriminator(nn.Module):
    """The motif scanner's pooled scores (max and soft max per motif) through a small MLP:
    it sees how well each motif is present, and nothing else of the sequence."""

    def __init__(self, data: ProteinDataset, hidden: int = 32, temperature: float = 1.0):
        super().__init__()
        self.scanner = data.scanner()
        self.temperature = temperature
        widths = torch.tensor([p.width for p in data.pwms], dtype=torch.float32)
        self.register_buffer("scale", widths[:, None])
        m = len(data.pwms)
        self.head = nn.Sequential(
            nn.Linear(2 * m, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2), nn.Linear(hidden, 1),
        )  # fmt: skip

    def features(self, x: Tensor) -> Tensor:
        return (self.scanner.pool(x, self.temperature) / self.scale).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x)).squeeze(-1)


class PWMPlusCNN(nn.Module):
    """The PWM discriminator and the convolutional critic, their logits summed (the PWM
    logit scaled by ``pwm_weight``)."""

    def __init__(
        self,
        data: ProteinDataset,
        channels: int = 64,
        blocks: int = 2,
        kernel_size: int = 5,
        hidden: int = 32,
        temperature: float = 1.0,
        pwm_weight: float = 1.0,
    ):
        super().__init__()
        self.pwm_weight = pwm_weight
        self.pwm = PWMDiscriminator(data, hidden, temperature)
        self.cnn = CNNDiscriminator(data, channels, blocks, kernel_size)

    def features(self, x: Tensor) -> Tensor:
        return torch.cat([self.pwm.features(x), self.cnn.features(x)], dim=1)

    def forward(self, x: Tensor) -> Tensor:
        return self.pwm_weight * self.pwm(x) + self.cnn(x)
