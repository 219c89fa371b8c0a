"""Datasets: real data in memory, a training split to draw batches from and a held-out split.

A batch is a tensor or a small structure of tensors (a tuple or dict, e.g. a graph's
adjacency and node mask) whose leaves share the leading batch dimension. Generators emit
fake batches of the same structure, so discriminators never see the difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils._pytree import tree_flatten, tree_map

from gansci.errors import DataError
from gansci.kinds import Kinds, align, check_leaves, kinds_of

Batch = Any


def batch_len(batch: Batch) -> int:
    """Number of samples in a batch (the leading dimension of its leaves)."""
    leaves, _ = tree_flatten(batch)
    return int(leaves[0].shape[0])


def index(batch: Batch, idx: torch.Tensor | slice) -> Batch:
    """Select samples ``idx`` from every leaf of a batch."""
    return tree_map(lambda t: t[idx], batch)


def concat(batches: list[Batch]) -> Batch:
    """Concatenate batches of the same structure along the sample dimension."""
    leaves = [tree_flatten(b)[0] for b in batches]
    _, spec = tree_flatten(batches[0])
    joined = [torch.cat(parts) for parts in zip(*leaves, strict=True)]
    return spec.unflatten(joined)


class Dataset:
    """Real samples held in memory (train and held-out test splits), on one device.

    ``domains`` names the kinds of data it holds; metrics, figures and sample formats of
    any of those domains apply. Subclasses override :meth:`decode` when their samples
    have a natural form other than arrays (sequences as strings, graphs as adjacency).
    A dataset of unpaired ``views`` (domains A and B of a translation) holds each split
    as ``{view: batch}``; its methods then take the view by name.
    ``kinds`` gives each leaf of a batch its :class:`~gansci.kinds.Kind` (one Kind for
    a tensor batch; by default floating leaves are continuous), checked here against the
    real data; the views of a dataset share one structure and its kinds.
    """

    domains: tuple[str, ...] = ("vector",)
    views: tuple[str, ...] = ()

    def __init__(
        self,
        train: Batch,
        test: Batch,
        domains: tuple[str, ...] | None = None,
        views: tuple[str, ...] | None = None,
        kinds: Kinds | None = None,
    ):
        if domains is not None:
            self.domains = domains
        if views is not None:
            self.views = tuple(views)
        self.train = train
        self.test = test
        for view in self.views or (None,):
            if batch_len(self._part(train, view)) < 2 or batch_len(self._part(test, view)) < 2:
                where = f" (view {view!r})" if view else ""
                raise DataError(
                    f"a dataset needs at least two training and two held-out samples{where}"
                )
        first = self._part(train, self.views[0] if self.views else None)
        flat = [t for t in tree_flatten(first)[0] if t.dim() < 2]
        if flat:
            raise DataError(
                f"a data leaf of shape {tuple(flat[0].shape)}: samples need a feature axis, "
                "(n, d) or more; give 1-D data as (n, 1)"
            )
        self.kinds = kinds_of(first) if kinds is None else align(first, kinds)
        if kinds is not None:  # a default is a guess about unlabelled leaves, not a claim
            for view in self.views or (None,):
                for name, split in (("train", train), ("test", test)):
                    part = self._part(split, view)
                    check_leaves(part, align(part, self.kinds), name)

    def _part(self, batch: Batch, view: str | None) -> Batch:
        if not self.views:
            if view:
                raise DataError(f"this dataset has no views; got view {view!r}")
            return batch
        if view not in self.views:
            raise DataError(f"view {view!r}: this dataset's views are {', '.join(self.views)}")
        return batch[view]

    @property
    def n_train(self) -> int:
        return min(batch_len(self._part(self.train, v)) for v in self.views or (None,))

    @property
    def n_test(self) -> int:
        return min(batch_len(self._part(self.test, v)) for v in self.views or (None,))

    @property
    def device(self) -> torch.device:
        return tree_flatten(self.train)[0][0].device

    def to(self, device: torch.device | str) -> Dataset:
        self.train = tree_map(lambda t: t.to(device), self.train)
        self.test = tree_map(lambda t: t.to(device), self.test)
        return self

    def sample(
        self, n: int, generator: torch.Generator | None = None, view: str | None = None
    ) -> Batch:
        """``n`` training samples drawn uniformly with replacement, as a model batch."""
        train = self._part(self.train, view)
        idx = torch.randint(batch_len(train), (n,), device=self.device, generator=generator)
        return index(train, idx)

    def split(self, name: str, n: int | None = None, view: str | None = None) -> Batch:
        """The first ``n`` samples of the ``"train"`` or ``"test"`` split, as a model batch."""
        batch = self._part(self.train if name == "train" else self.test, view)
        return batch if n is None else index(batch, slice(0, n))

    def decode(
        self, batch: Batch, generator: torch.Generator | None = None, view: str | None = None
    ) -> Any:
        """Model batch -> samples in the domain's natural form (here: NumPy arrays).

        ``generator`` seeds any randomness in decoding (discrete sampling of soft outputs).
        """
        return tree_map(lambda t: t.detach().float().cpu().numpy(), batch)

    def encode(self, samples: Any, view: str | None = None) -> Batch:
        """Samples in natural form (as read from a file) -> model batch on this device."""

        def leaf(a: Any) -> torch.Tensor:
            t = torch.as_tensor(np.asarray(a), device=self.device)
            return t.float() if t.is_floating_point() else t

        return tree_map(leaf, samples)


def split_train_test(x: torch.Tensor, test_fraction: float, seed: int) -> tuple[Any, Any]:
    """A seeded random split of the rows of ``x`` into train and held-out parts."""
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(x.shape[0], generator=g)
    n_test = max(2, int(round(x.shape[0] * test_fraction)))
    return x[perm[n_test:]], x[perm[:n_test]]


def read_array(path: str | Path, min_rows: int = 2) -> np.ndarray:
    """A user's array file (.npy, .csv, .txt) as float64 of shape (n, d), checked for the
    mistakes that would otherwise surface deep inside training."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such data file")
    try:
        if path.suffix == ".npy":
            a = np.load(path, allow_pickle=False)
        elif path.suffix in (".csv", ".txt", ".tsv"):
            delimiter = "," if path.suffix == ".csv" else None
            a = np.loadtxt(path, delimiter=delimiter, ndmin=2)
        else:
            raise DataError(f"{path}: unknown data format {path.suffix!r}; use .npy, .csv or .txt")
        a = np.asarray(a, dtype=np.float64)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{path}: cannot read as a numeric array ({exc})") from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise DataError(f"{path}: expected a 2-D array (samples x features), got shape {a.shape}")
    if a.shape[0] < min_rows:
        raise DataError(f"{path}: has {a.shape[0]} sample(s); at least {min_rows} are needed")
    bad = ~np.isfinite(a)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(
            f"{path}: {int(bad.sum())} NaN or infinite value(s), the first at row {row}, "
            f"column {col}"
        )
    if np.all(a.max(0) == a.min(0)):
        raise DataError(f"{path}: every value is constant; there is nothing to learn")
    return a


def cache_dir(*parts: str) -> Path:
    """Where generated datasets are cached: ``$GANSCI_CACHE`` or ``~/.cache/gansci``."""
    import os

    root = Path(os.environ.get("GANSCI_CACHE", Path.home() / ".cache" / "gansci"))
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
