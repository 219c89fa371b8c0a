"""PacGAN packing (Lin et al. 2018): the discriminator judges m samples at once."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.utils._pytree import tree_map

from gansci.data import Batch, Dataset, index
from gansci.kinds import Kind, Kinds, kinds_of


def pack(batch: Batch, m: int, kinds: Kinds | None = None) -> Batch:
    """(n, d0, ...) leaves -> (n/m, m*d0, ...): m consecutive samples joined along their
    first axis (features of vectors, channels of images, positions of sequences and
    nodes of graphs); an adjacency becomes block-diagonal, so m graphs pack into their
    disjoint union."""

    def join(kind: Kind, t: Tensor) -> Tensor:
        if kind is Kind.ADJACENCY:
            return _block_diagonal(t, m)
        return t.reshape(t.shape[0] // m, m * t.shape[1], *t.shape[2:])

    return tree_map(join, kinds_of(batch, kinds), batch)


def unpack(batch: Batch, m: int, kinds: Kinds | None = None) -> Batch:
    """The inverse of :func:`pack`: each group of m samples split back apart."""

    def split(kind: Kind, t: Tensor) -> Tensor:
        if kind is Kind.ADJACENCY:
            return _diagonal_blocks(t, m)
        return t.reshape(t.shape[0] * m, t.shape[1] // m, *t.shape[2:])

    return tree_map(split, kinds_of(batch, kinds), batch)


def _block_diagonal(adj: Tensor, m: int) -> Tensor:
    """(n, N, N) -> (n/m, mN, mN): each m consecutive matrices on the diagonal, zero elsewhere."""
    groups, nodes = adj.shape[0] // m, adj.shape[-1]
    out = adj.new_zeros(groups, m, nodes, m, nodes)
    diag = torch.arange(m, device=adj.device)
    # two index tensors split by a slice: the indexed axis comes first, (m, groups, N, N)
    out[:, diag, :, diag, :] = adj.reshape(groups, m, nodes, nodes).transpose(0, 1)
    return out.reshape(groups, m * nodes, m * nodes)


def _diagonal_blocks(adj: Tensor, m: int) -> Tensor:
    groups, nodes = adj.shape[0], adj.shape[-1] // m
    diag = torch.arange(m, device=adj.device)
    blocks = adj.reshape(groups, m, nodes, m, nodes)[:, diag, :, diag, :]
    return blocks.transpose(0, 1).reshape(groups * m, nodes, nodes)


class PackedView:
    """A dataset seen through packing, so a discriminator factory sizes its input for m
    samples; everything but ``train`` is the dataset's own."""

    def __init__(self, data: Dataset, m: int):
        self._data = data
        n = min(data.n_train, 4096) // m * m
        self.train = pack(index(data.train, slice(0, n)), m, data.kinds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._data, name)


class Packed(nn.Module):
    """Wraps a discriminator built on a :class:`PackedView`: packs each batch first, by
    the data's ``kinds`` (those of the dataset the view was made of)."""

    def __init__(self, D: nn.Module, m: int, kinds: Kinds | None = None):
        super().__init__()
        self.D, self.m, self.kinds = D, m, kinds

    def forward(self, batch: Batch) -> Tensor:
        return self.D(pack(batch, self.m, self.kinds))

    def features(self, batch: Batch) -> Tensor:
        return self.D.features(pack(batch, self.m, self.kinds))
