"""Multilayer perceptrons for vector data, and spectral normalisation of any network."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gansci.data import Dataset
from gansci.errors import ConfigError

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
}


def activation(name: str) -> nn.Module:
    if name not in ACTIVATIONS:
        raise ConfigError(f"unknown activation {name!r}; valid: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def MLP(d_in: int, d_out: int | None, hidden: int, depth: int, act: str) -> nn.Sequential:
    """``depth`` hidden layers of width ``hidden`` after ``d_in`` inputs, then a linear
    layer to ``d_out`` outputs (none when ``d_out`` is None: the hidden features)."""
    layers: list[nn.Module] = []
    width = d_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), activation(act)]
        width = hidden
    if d_out is not None:
        layers.append(nn.Linear(width, d_out))
    return nn.Sequential(*layers)


def _sample_dim(data: Dataset) -> tuple[int, tuple[int, ...]]:
    shape = tuple(data.train.shape[1:])
    return math.prod(shape), shape


class _DataScale(nn.Module):
    """Per-feature mean and standard deviation of the training split, as buffers (saved
    with the weights), so an MLP can work in standard units whatever the data's scale."""

    def __init__(self, data: Dataset):
        super().__init__()
        x = data.train.flatten(1).float()
        self.register_buffer("mean", x.mean(0))
        self.register_buffer("std", x.std(0).clamp_min(1e-8))


class MLPGenerator(nn.Module):
    """Gaussian latent -> MLP -> a sample of the dataset's shape."""

    def __init__(
        self,
        data: Dataset,
        latent_dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        activation: str = "relu",
        standardize: bool = False,
    ):
        super().__init__()
        self.latent_dim = latent_dim
        d, self.shape = _sample_dim(data)
        self.net = MLP(latent_dim, d, hidden, depth, activation)
        self.scale = _DataScale(data) if standardize else None

    def forward(self, z: Tensor) -> Tensor:
        x = self.net(z)
        if self.scale is not None:  # the net works in standard units, output in data units
            x = self.scale.mean + self.scale.std * x
        return x.view(-1, *self.shape)


class MLPDiscriminator(nn.Module):
    """Sample -> MLP -> one logit; ``features`` is the last hidden layer."""

    def __init__(
        self,
        data: Dataset,
        hidden: int = 128,
        depth: int = 3,
        activation: str = "leaky_relu",
        standardize: bool = False,
    ):
        super().__init__()
        d, _ = _sample_dim(data)
        self.body = MLP(d, None, hidden, depth, activation)
        self.head = nn.Linear(hidden if depth else d, 1)
        self.scale = _DataScale(data) if standardize else None

    def features(self, x: Tensor) -> Tensor:
        x = x.flatten(1)
        if self.scale is not None:
            x = (x - self.scale.mean) / self.scale.std
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x)).squeeze(-1)


def spectral_norm_all(module: nn.Module) -> nn.Module:
    """Spectrally normalise every linear and convolutional layer of ``module`` in place
    (Miyato et al. 2018), so spectral norm is an option on any discriminator."""
    for child in list(module.modules()):
        if isinstance(child, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            torch.nn.utils.parametrizations.spectral_norm(child)
    return module
