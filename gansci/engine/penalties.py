"""Discriminator regularisers, each ``penalty(D, real, fake, kinds=None) -> scalar``, by name.

Batches may be structures of tensors (a graph's features, adjacency and mask), each leaf
of a :class:`~gansci.kinds.Kind`: interpolates mix only the leaves that interpolate and
take an adjacency or mask whole from the nearer endpoint, gradients are taken with respect
to the leaves that allow them, and their norms combined per sample.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_flatten, tree_map

from gansci.data import Batch
from gansci.kinds import Kind, Kinds, Op, allows, kinds_of, map_leaves


@dataclass(frozen=True)
class Penalty:
    description: str
    fn: Callable[[nn.Module, Batch, Batch, Kinds | None], Tensor]

    def __call__(self, D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None):
        return self.fn(D, real, fake, kinds)


def _float_leaves(batch: Batch) -> list[Tensor]:
    return [t for t in tree_flatten(batch)[0] if t.is_floating_point()]


def grad_norm_sq(D: nn.Module, batch: Batch, kinds: Kinds | None = None) -> Tensor:
    """Per-sample squared norm of dD/dx over the floating leaves of ``batch`` whose kind
    allows a gradient (graph kept)."""
    kinds = kinds_of(batch, kinds)

    def wants_grad(kind: Kind, t: Tensor) -> bool:
        return allows(kind, Op.GRADIENT) and t.is_floating_point()

    batch = tree_map(lambda k, t: t.detach().requires_grad_(wants_grad(k, t)), kinds, batch)
    inputs = [t for t in tree_flatten(batch)[0] if t.requires_grad]
    out = D(batch)
    grads = torch.autograd.grad(out.sum(), inputs, create_graph=True)
    return sum(g.flatten(1).pow(2).sum(1) for g in grads)


def _mix(a: Batch, b: Batch, alpha: Tensor, kinds: Kinds | None = None) -> Batch:
    """Per sample, a + alpha (b - a) on interpolable leaves; the others (adjacency, mask)
    whole from the nearer endpoint, a where alpha < 0.5, else b."""

    def mix(kind: Kind, x: Tensor, y: Tensor) -> Tensor:
        shape = (-1, *[1] * (x.dim() - 1))
        if allows(kind, Op.INTERPOLATE) and x.is_floating_point():
            return x.detach() + alpha.view(shape) * (y.detach() - x.detach())
        return torch.where(alpha.view(shape) < 0.5, x.detach(), y.detach())

    return tree_map(mix, kinds_of(a, kinds), a, b)


def _alpha(batch: Batch) -> Tensor:
    leaf = _float_leaves(batch)[0]
    return torch.rand(leaf.shape[0], device=leaf.device, dtype=leaf.dtype)


def _interpolate(real: Batch, other: Batch, kinds: Kinds | None) -> Batch:
    return _mix(real, other, _alpha(real), kinds)


def gradient_penalty(D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None):
    """Two-sided WGAN-GP: (|grad D(x_hat)| - 1)^2 on real-fake interpolates."""
    norm = grad_norm_sq(D, _interpolate(real, fake, kinds), kinds).add(1e-12).sqrt()
    return (norm - 1).pow(2).mean()


def one_sided_gradient_penalty(
    D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None
) -> Tensor:
    """One-sided GP: only gradient norms above 1 are penalised (Petzka et al. 2018)."""
    norm = grad_norm_sq(D, _interpolate(real, fake, kinds), kinds).add(1e-12).sqrt()
    return (norm - 1).clamp_min(0).pow(2).mean()


def r1(D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None) -> Tensor:
    """Zero-centred penalty on real data, 0.5 E|grad D(x)|^2 (Mescheder et al. 2018)."""
    return 0.5 * grad_norm_sq(D, real, kinds).mean()


def r2(D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None) -> Tensor:
    """Zero-centred penalty on generated data, 0.5 E|grad D(G(z))|^2."""
    return 0.5 * grad_norm_sq(D, fake, kinds).mean()


def dragan(D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None) -> Tensor:
    """DRAGAN (Kodali et al. 2017): GP around real data perturbed by 0.5 std noise, on the
    leaves that take noise."""
    noisy = map_leaves(lambda x: x + 0.5 * x.std() * torch.rand_like(x), real, kinds, Op.NOISE)
    norm = grad_norm_sq(D, _interpolate(real, noisy, kinds), kinds).add(1e-12).sqrt()
    return (norm - 1).pow(2).mean()


PENALTIES: dict[str, Penalty] = {
    "gp": Penalty("two-sided gradient penalty on interpolates (WGAN-GP)", gradient_penalty),
    "gp1": Penalty("one-sided gradient penalty on interpolates", one_sided_gradient_penalty),
    "r1": Penalty("zero-centred gradient penalty on real data (R1)", r1),
    "r2": Penalty("zero-centred gradient penalty on generated data (R2)", r2),
    "dragan": Penalty("gradient penalty around perturbed real data (DRAGAN)", dragan),
}
