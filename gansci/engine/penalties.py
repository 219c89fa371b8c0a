"""Discriminator regularisers, each ``penalty(D, real, fake) -> scalar``, registered by name.

Batches may be structures of tensors (a graph's adjacency and mask): gradients are taken
with respect to every floating-point leaf and their norms combined per sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_flatten, tree_map

from gansci.data import Batch


@dataclass(frozen=True)
class Penalty:
    description: str
    fn: Callable[[nn.Module, Batch, Batch], Tensor]

    def __call__(self, D: nn.Module, real: Batch, fake: Batch) -> Tensor:
        return self.fn(D, real, fake)


def _float_leaves(batch: Batch) -> list[Tensor]:
    return [t for t in tree_flatten(batch)[0] if t.is_floating_point()]


def grad_norm_sq(D: nn.Module, batch: Batch) -> Tensor:
    """Per-sample squared norm of dD/dx over every float leaf of ``batch`` (graph kept)."""
    batch = tree_map(lambda t: t.detach().requires_grad_(t.is_floating_point()), batch)
    inputs = _float_leaves(batch)
    out = D(batch)
    grads = torch.autograd.grad(out.sum(), inputs, create_graph=True)
    return sum(g.flatten(1).pow(2).sum(1) for g in grads)


def _mix(a: Batch, b: Batch, alpha: Tensor) -> Batch:
    def lerp(x: Tensor, y: Tensor) -> Tensor:
        if not x.is_floating_point():
            return x
        return x.detach() + alpha.view(-1, *[1] * (x.dim() - 1)) * (y.detach() - x.detach())

    return tree_map(lerp, a, b)


def _alpha(batch: Batch) -> Tensor:
    leaf = _float_leaves(batch)[0]
    return torch.rand(leaf.shape[0], device=leaf.device, dtype=leaf.dtype)


def gradient_penalty(D: nn.Module, real: Batch, fake: Batch) -> Tensor:
    """Two-sided WGAN-GP: (|grad D(x_hat)| - 1)^2 on real-fake interpolates."""
    norm = grad_norm_sq(D, _mix(real, fake, _alpha(real))).add(1e-12).sqrt()
    return (norm - 1).pow(2).mean()


def one_sided_gradient_penalty(D: nn.Module, real: Batch, fake: Batch) -> Tensor:
    """One-sided GP: only gradient norms above 1 are penalised (Petzka et al. 2018)."""
    norm = grad_norm_sq(D, _mix(real, fake, _alpha(real))).add(1e-12).sqrt()
    return (norm - 1).clamp_min(0).pow(2).mean()


def r1(D: nn.Module, real: Batch, fake: Batch) -> Tensor:
    """Zero-centred penalty on real data, 0.5 E|grad D(x)|^2 (Mescheder et al. 2018)."""
    return 0.5 * grad_norm_sq(D, real).mean()


def r2(D: nn.Module, real: Batch, fake: Batch) -> Tensor:
    """Zero-centred penalty on generated data, 0.5 E|grad D(G(z))|^2."""
    return 0.5 * grad_norm_sq(D, fake).mean()


def dragan(D: nn.Module, real: Batch, fake: Batch) -> Tensor:
    """DRAGAN (Kodali et al. 2017): GP around real data perturbed by 0.5 std noise."""

    def perturb(x: Tensor) -> Tensor:
        if not x.is_floating_point():
            return x
        return x + 0.5 * x.std() * torch.rand_like(x)

    noisy = tree_map(perturb, real)
    norm = grad_norm_sq(D, _mix(real, noisy, _alpha(real))).add(1e-12).sqrt()
    return (norm - 1).pow(2).mean()


PENALTIES: dict[str, Penalty] = {
    "gp": Penalty("two-sided gradient penalty on interpolates (WGAN-GP)", gradient_penalty),
    "gp1": Penalty("one-sided gradient penalty on interpolates", one_sided_gradient_penalty),
    "r1": Penalty("zero-centred gradient penalty on real data (R1)", r1),
    "r2": Penalty("zero-centred gradient penalty on generated data (R2)", r2),
    "dragan": Penalty("gradient penalty around perturbed real data (DRAGAN)", dragan),
}
