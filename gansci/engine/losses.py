"""Adversarial losses, each a pair of functions on discriminator logits, registered by name.

Adding a loss is one entry in :data:`LOSSES` (or a ``gansci_losses`` hook in a plugin).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


@dataclass(frozen=True)
class Loss:
    """``discriminator(real, fake)`` and ``generator(fake, real)`` map logits to a scalar.

    ``generator`` receives the real logits only when ``relativistic`` is set (otherwise
    ``None``), so the standard losses cost no extra discriminator pass. ``weight_clip``
    clamps D's weights after each update (the original WGAN); ``penalty`` names the
    regulariser the loss implies (WGAN-GP's gradient penalty).
    """

    description: str
    discriminator: Callable[[Tensor, Tensor], Tensor]
    generator: Callable[[Tensor, Tensor | None], Tensor]
    relativistic: bool = False
    weight_clip: float = 0.0
    penalty: str = ""
    smoothable: bool = False  # D's real term is softplus(-r): one-sided label smoothing applies


def _bce_d(real: Tensor, fake: Tensor) -> Tensor:
    # -log D(x) - log(1 - D(G(z))) with D = sigmoid(logit)
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def _wgan_d(real: Tensor, fake: Tensor) -> Tensor:
    return fake.mean() - real.mean()


def _wgan_g(fake: Tensor, real: Tensor | None) -> Tensor:
    return -fake.mean()


LOSSES: dict[str, Loss] = {
    "ns": Loss(
        "non-saturating GAN (Goodfellow et al. 2014): G maximises log D(G(z))",
        _bce_d,
        lambda fake, real: F.softplus(-fake).mean(),
        smoothable=True,
    ),
    "minimax": Loss(
        "saturating minimax GAN: G minimises log(1 - D(G(z)))",
        _bce_d,
        lambda fake, real: -F.softplus(fake).mean(),
        smoothable=True,
    ),
    "wgan": Loss(
        "Wasserstein GAN with weight clipping at 0.01 (Arjovsky et al. 2017)",
        _wgan_d,
        _wgan_g,
        weight_clip=0.01,
    ),
    "wgan-gp": Loss(
        "Wasserstein GAN with gradient penalty (Gulrajani et al. 2017)",
        _wgan_d,
        _wgan_g,
        penalty="gp",
    ),
    "hinge": Loss(
        "hinge loss (Lim & Ye 2017; Miyato et al. 2018)",
        lambda real, fake: F.relu(1 - real).mean() + F.relu(1 + fake).mean(),
        _wgan_g,
    ),
    "lsgan": Loss(
        "least squares GAN, targets 1 (real) and 0 (fake) (Mao et al. 2017)",
        lambda real, fake: 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean(),
        lambda fake, real: 0.5 * ((fake - 1) ** 2).mean(),
    ),
    "rsgan": Loss(
        "relativistic standard GAN (Jolicoeur-Martineau 2019)",
        lambda real, fake: F.softplus(-(real - fake)).mean(),
        lambda fake, real: F.softplus(-(fake - real)).mean(),
        relativistic=True,
    ),
    "ragan": Loss(
        "relativistic average GAN (Jolicoeur-Martineau 2019)",
        lambda real, fake: (
            F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()
        ),
        lambda fake, real: (
            F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()
        ),
        relativistic=True,
    ),
}


def clip_weights_(module: torch.nn.Module, bound: float) -> None:
    """Clamp every parameter of ``module`` to [-bound, bound] in place (WGAN)."""
    with torch.no_grad():
        torch._foreach_clamp_min_(list(module.parameters()), -bound)
        torch._foreach_clamp_max_(list(module.parameters()), bound)
