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


def _check_sizes(role: str, depth: int, **sizes: int) -> None:
    """Widths of at least 1 and a depth of at least 0: a zero width trains silently to
    nothing, a negative depth fails deep inside the first step."""
    for key, value in sizes.items():
        if value < 1:
            raise ConfigError(f"{role}.{key} must be at least 1, got {value}")
    if depth < 0:
        raise ConfigError(f"{role}.depth must be at least 0, got {depth}")


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
    """Gaussian latent -> MLP -> a sample of the dataset's shape.

    With ``components=K`` the latent prior is a learned mixture of K Gaussians (DeLiGAN,
    Gurumurthy et al. 2017): the network sees mu_c + sigma_c * eps, with the component c
    read off one extra standard-normal latent coordinate (so a latent vector still fixes
    its sample). Multimodal data then need no steep transitions in the network itself.
    ``learn_prior_std=False`` keeps the components' std at its start (e^-1) instead of
    learning it.
    """

    def __init__(
        self,
        data: Dataset,
        latent_dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        activation: str = "relu",
        standardize: bool = False,
        components: int = 0,
        learn_prior_std: bool = True,
    ):
        super().__init__()
        _check_sizes("generator", latent_dim=latent_dim, hidden=hidden, depth=depth)
        if components < 0:
            raise ConfigError(f"generator.components must be >= 0, got {components}")
        self.components = components
        self.latent_dim = latent_dim + (1 if components else 0)
        if components:
            self.prior_mean = nn.Parameter(torch.rand(components, latent_dim) * 4 - 2)
            log_std = torch.full((components, latent_dim), -1.0)
            if learn_prior_std:
                self.prior_log_std = nn.Parameter(log_std)
            else:
                self.register_buffer("prior_log_std", log_std)
        d, self.shape = _sample_dim(data)
        self.net = MLP(latent_dim, d, hidden, depth, activation)
        self.scale = _DataScale(data) if standardize else None
        if standardize:
            self._unit_output_init()

    @torch.no_grad()
    def _unit_output_init(self, n: int = 4096) -> None:
        """Rescale the last layer so that, at initialisation, each output has mean 0 and
        variance 1 over the latent: with ``standardize`` the generator then starts with
        the data's mean and spread and needs only local moves to reach the modes, instead
        of growing out of a point (where it collapses onto the nearest mode)."""
        last = self.net[-1]
        out = self.net(self._prior(torch.randn(n, self.latent_dim)))
        mean, std = out.mean(0), out.std(0).clamp_min(1e-8)
        last.weight.div_(std[:, None])
        last.bias.sub_(mean).div_(std)

    def _prior(self, z: Tensor) -> Tensor:
        if not self.components:
            return z
        u = torch.special.ndtr(z[:, -1])  # uniform in (0, 1): picks the component
        c = (u * self.components).long().clamp_max(self.components - 1)
        return self.prior_mean[c] + self.prior_log_std[c].exp() * z[:, :-1]

    def forward(self, z: Tensor) -> Tensor:
        x = self.net(self._prior(z))
        if self.scale is not None:  # the net works in standard units, output in data units
            x = self.scale.mean + self.scale.std * x
        return x.view(-1, *self.shape)


class MLPDiscriminator(nn.Module):
    """Sample -> MLP -> one logit; ``features`` is the last hidden layer.

    With ``fourier_features=k`` the (standardized) input x is joined by k fixed random
    Fourier features sin/cos(2 pi x B), B ~ N(0, fourier_scale^2) (Tancik et al. 2020): a
    plain MLP learns fine detail, such as narrow modes, only slowly (spectral bias).
    """

    def __init__(
        self,
        data: Dataset,
        hidden: int = 128,
        depth: int = 3,
        activation: str = "leaky_relu",
        standardize: bool = False,
        fourier_features: int = 0,
        fourier_scale: float = 1.0,
    ):
        super().__init__()
        _check_sizes("discriminator", hidden=hidden, depth=depth)
        if fourier_features < 0:
            raise ConfigError(
                f"discriminator.fourier_features must be >= 0, got {fourier_features}"
            )
        d, _ = _sample_dim(data)
        frequencies = fourier_scale * torch.randn(d, fourier_features) if fourier_features else None
        self.register_buffer("fourier", frequencies)
        if fourier_features:
            d += 2 * fourier_features
        self.body = MLP(d, None, hidden, depth, activation)
        self.head = nn.Linear(hidden if depth else d, 1)
        self.scale = _DataScale(data) if standardize else None

    def features(self, x: Tensor) -> Tensor:
        x = x.flatten(1)
        if self.scale is not None:
            x = (x - self.scale.mean) / self.scale.std
        if self.fourier is not None:
            phase = 2 * math.pi * x @ self.fourier
            x = torch.cat([x, phase.sin(), phase.cos()], 1)  # x: the global shape
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
