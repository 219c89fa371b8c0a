"""Discriminator regularisers, each ``penalty(D, real, fake, kinds=None) -> scalar``, by name.

Batches may be structures of tensors (a graph's features, adjacency and mask), each leaf
of a :class:`~gansci.kinds.Kind`: interpolates mix only the leaves that interpolate and
take an adjacency or mask whole from the nearer endpoint, gradients are taken with respect
to the leaves that allow them, and their norms combined per sample. A D that stacks seeds
(:mod:`gansci.engine.stacked`) gets one value per seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_flatten, tree_map

from gansci.data import Batch
from gansci.engine.stacked import per_seed, seed_mean, seeds_of, to_rows
from gansci.kinds import Kind, Kinds, Op, allows, kinds_of, map_leaves


@dataclass(frozen=True)
class Penalty:
    """``fn(D, real, fake, kinds)``; ``on_real(d_real, real, seeds)``, where given, is the
    same penalty from D's output on a real batch made by :func:`with_input_grad`, so that
    the game takes it from the loss's own forward pass (R1)."""

    description: str
    fn: Callable[[nn.Module, Batch, Batch, Kinds | None], Tensor]
    on_real: Callable[[Tensor, Batch, int], Tensor] | None = None

    def __call__(self, D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None):
        return self.fn(D, real, fake, kinds)


def _float_leaves(batch: Batch) -> list[Tensor]:
    return [t for t in tree_flatten(batch)[0] if t.is_floating_point()]


def with_input_grad(batch: Batch, kinds: Kinds | None = None) -> Batch:
    """``batch`` detached, its floating leaves whose kind allows a gradient requiring one."""

    def wants_grad(kind: Kind, t: Tensor) -> bool:
        return allows(kind, Op.GRADIENT) and t.is_floating_point()

    return tree_map(
        lambda k, t: t.detach().requires_grad_(wants_grad(k, t)), kinds_of(batch, kinds), batch
    )


def input_grad_sq(out: Tensor, batch: Batch) -> Tensor:
    """Per-sample squared norm of d out / dx over the leaves of ``batch`` that require a
    gradient (graph kept)."""
    inputs = [t for t in tree_flatten(batch)[0] if t.requires_grad]
    grads = torch.autograd.grad(out.sum(), inputs, create_graph=True)
    return sum(g.flatten(1).pow(2).sum(1) for g in grads)


def grad_norm_sq(D: nn.Module, batch: Batch, kinds: Kinds | None = None) -> Tensor:
    """Per-sample squared norm of dD/dx over the floating leaves of ``batch`` whose kind
    allows a gradient (graph kept)."""
    batch = with_input_grad(batch, kinds)
    return input_grad_sq(D(batch), batch)


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
    return seed_mean((norm - 1).pow(2), seeds_of(D))


def one_sided_gradient_penalty(
    D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None
) -> Tensor:
    """One-sided GP: only gradient norms above 1 are penalised (Petzka et al. 2018)."""
    norm = grad_norm_sq(D, _interpolate(real, fake, kinds), kinds).add(1e-12).sqrt()
    return seed_mean((norm - 1).clamp_min(0).pow(2), seeds_of(D))


def r1(D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None) -> Tensor:
    """Zero-centred penalty on real data, 0.5 E|grad D(x)|^2 (Mescheder et al. 2018)."""
    real = with_input_grad(real, kinds)
    return _r1_on_real(D(real), real, seeds_of(D))


def _r1_on_real(d_real: Tensor, real: Batch, seeds: int) -> Tensor:
    return 0.5 * seed_mean(input_grad_sq(d_real, real), seeds)


def r2(D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None) -> Tensor:
    """Zero-centred penalty on generated data, 0.5 E|grad D(G(z))|^2."""
    return 0.5 * seed_mean(grad_norm_sq(D, fake, kinds), seeds_of(D))


def dragan(D: nn.Module, real: Batch, fake: Batch, kinds: Kinds | None = None) -> Tensor:
    """DRAGAN (Kodali et al. 2017): GP around real data perturbed by 0.5 std noise, on the
    leaves that take noise (each stacked seed's by the std of its own rows)."""
    seeds = seeds_of(D)

    def perturb(x: Tensor) -> Tensor:
        return x + 0.5 * to_rows(per_seed(Tensor.std, seeds, x), x) * torch.rand_like(x)

    noisy = map_leaves(perturb, real, kinds, Op.NOISE)
    norm = grad_norm_sq(D, _interpolate(real, noisy, kinds), kinds).add(1e-12).sqrt()
    return seed_mean((norm - 1).pow(2), seeds)


PENALTIES: dict[str, Penalty] = {
    "gp": Penalty("two-sided gradient penalty on interpolates (WGAN-GP)", gradient_penalty),
    "gp1": Penalty("one-sided gradient penalty on interpolates", one_sided_gradient_penalty),
    "r1": Penalty("zero-centred gradient penalty on real data (R1)", r1, _r1_on_real),
    "r2": Penalty("zero-centred gradient penalty on generated data (R2)", r2),
    "dragan": Penalty("gradient penalty around perturbed real data (DRAGAN)", dragan),
}
