"""Data kinds: what each leaf of a batch is, and which generic operations may touch it."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import torch
from torch import Tensor
from torch.utils._pytree import keystr, tree_flatten_with_path, tree_map, tree_structure

from gansci.errors import DataError

Batch = Any
Kinds = Any  # a Kind, or a tuple / dict of them with a batch's structure


class Kind(str, Enum):
    CONTINUOUS = "continuous"
    CATEGORICAL = "categorical"  # one-hot or relaxed one-hot; the last axis is the categories
    ADJACENCY = "adjacency"  # binary (n, N, N); a generator's may be soft
    MASK = "mask"  # binary node or position mask, (n, N)


class Op(str, Enum):
    STANDARDISE = "standardise"  # scale by a per-feature std (standardisation, jitter)
    NOISE = "noise"  # add noise (instance noise, DRAGAN's perturbation)
    INTERPOLATE = "interpolate"  # mix real and fake (gradient penalties)
    GRADIENT = "gradient"  # differentiate D with respect to it (gradient penalties)


ALLOWED: dict[Kind, frozenset[Op]] = {
    Kind.CONTINUOUS: frozenset(Op),
    # Noise on one-hot leaves: real one-hots against a generator's soft ones is exactly the
    # support mismatch instance noise exists to blur, and D reads them as plain floats.
    Kind.CATEGORICAL: frozenset({Op.NOISE, Op.INTERPOLATE, Op.GRADIENT}),
    # Dense graph layers take edge weights linearly, so dD/dA is meaningful; but an
    # interpolated or noisy adjacency is no graph of either side: penalties take it (and the
    # mask) whole from the nearer endpoint.
    Kind.ADJACENCY: frozenset({Op.GRADIENT}),
    # A mask says which nodes exist; D's dependence on it is structure, not a slope.
    Kind.MASK: frozenset(),
}


def allows(kind: Kind, op: Op) -> bool:
    return op in ALLOWED[kind]


def leaf_name(path: tuple) -> str:
    """A leaf's name in messages and stored files: its key path, ``<batch>`` for a tensor."""
    return keystr(path) or "<batch>"


def _paths(tree: Any) -> list[tuple[str, Any]]:
    return [(leaf_name(path), leaf) for path, leaf in tree_flatten_with_path(tree)[0]]


def align(batch: Batch, kinds: Kinds) -> Kinds:
    """``kinds`` (Kind or str leaves) as Kinds in the structure of ``batch``; a DataError
    names every leaf without a kind, every kind without a leaf and every unknown kind."""
    by_path = dict(_paths(kinds))
    leaf_paths = [path for path, _ in _paths(batch)]
    missing = [p for p in leaf_paths if p not in by_path]
    extra = [p for p in by_path if p not in leaf_paths]
    if missing or extra:
        problems = [f"no kind for leaf {p}" for p in missing]
        problems += [f"a kind for {p}, which is no leaf of the batch" for p in extra]
        raise DataError(f"data kinds do not match the batch's structure: {'; '.join(problems)}")
    valid = ", ".join(k.value for k in Kind)
    for path, kind in by_path.items():
        if kind not in set(Kind):
            raise DataError(f"data leaf {path}: unknown kind {kind!r}; valid: {valid}")
    return tree_structure(batch).unflatten([Kind(by_path[p]) for p in leaf_paths])


def kinds_of(batch: Batch, kinds: Kinds | None = None) -> Kinds:
    """The kinds of ``batch``'s leaves: ``kinds`` aligned with it, or by default CONTINUOUS
    for every floating leaf and MASK (which nothing generic touches) for the rest."""
    if kinds is None:
        return tree_map(lambda t: Kind.CONTINUOUS if t.is_floating_point() else Kind.MASK, batch)
    if tree_structure(kinds) == tree_structure(batch):
        return kinds
    return align(batch, kinds)


def map_leaves(fn: Callable[[Tensor], Tensor], batch: Batch, kinds: Kinds | None, allow: Op):
    """``fn`` applied to the leaves whose kind allows ``allow``; the others as they are."""
    return tree_map(
        lambda kind, t: fn(t) if allows(kind, allow) else t, kinds_of(batch, kinds), batch
    )


def add_noise(batch: Batch, sigma: Tensor | float, kinds: Kinds | None = None) -> Batch:
    """Instance noise: Gaussian noise of std ``sigma`` on the leaves that take noise."""
    return map_leaves(lambda t: t + sigma * torch.randn_like(t), batch, kinds, Op.NOISE)


def check_leaves(batch: Batch, kinds: Kinds, split: str) -> None:
    """A DataError naming the leaf and its kind if a real leaf breaks its kind's rules."""
    for (path, t), (_, kind) in zip(_paths(batch), _paths(kinds), strict=True):
        problem = _leaf_problem(t, kind)
        if problem:
            raise DataError(f"data leaf {path} ({kind.value}, {split} split): {problem}")


def _leaf_problem(t: Tensor, kind: Kind) -> str:
    if kind in (Kind.CONTINUOUS, Kind.CATEGORICAL) and not t.is_floating_point():
        return f"must be floating point, got {t.dtype}"
    if kind in (Kind.ADJACENCY, Kind.MASK) and not ((t == 0) | (t == 1)).all():
        return "holds values other than 0 and 1; a real mask or adjacency is binary"
    if kind is Kind.ADJACENCY and (t.dim() != 3 or t.shape[1] != t.shape[2]):
        return f"must have shape (n, N, N), got {tuple(t.shape)}"
    if kind is Kind.CATEGORICAL:
        if t.dim() < 2:
            return f"needs a category axis, got shape {tuple(t.shape)}"
        if (t < 0).any() or ((t.sum(-1) - 1).abs() > 1e-4).any():
            return "is not one-hot: each row over the last axis must be >= 0 and sum to 1"
    return ""
