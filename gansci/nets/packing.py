"""PacGAN packing (Lin et al. 2018): the discriminator judges m samples at once."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn
from torch.utils._pytree import tree_map

from gansci.data import Batch, Dataset, index


def pack(batch: Batch, m: int) -> Batch:
    """(n, d0, ...) leaves -> (n/m, m*d0, ...): m consecutive samples joined along their
    first axis (features of vectors, channels of images, positions of sequences)."""

    def join(t: Tensor) -> Tensor:
        n = t.shape[0]
        return t.reshape(n // m, m * t.shape[1], *t.shape[2:])

    return tree_map(join, batch)


class PackedView:
    """A dataset seen through packing, so a discriminator factory sizes its input for m
    samples; everything but ``train`` is the dataset's own."""

    def __init__(self, data: Dataset, m: int):
        self._data = data
        n = min(data.n_train, 4096) // m * m
        self.train = pack(index(data.train, slice(0, n)), m)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._data, name)


class Packed(nn.Module):
    """Wraps a discriminator built on a :class:`PackedView`: packs each batch first."""

    def __init__(self, D: nn.Module, m: int):
        super().__init__()
        self.D, self.m = D, m

    def forward(self, batch: Batch) -> Tensor:
        return self.D(pack(batch, self.m))

    def features(self, batch: Batch) -> Tensor:
        return self.D.features(pack(batch, self.m))
