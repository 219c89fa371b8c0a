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
    any of those domains apply. ``kinds`` gives each leaf of a batch its
    :class:`~gansci.kinds.Kind` (one Kind for a tensor batch; by default floating leaves
    are continuous), checked here against the real data. Subclasses override
    :meth:`decode` when their samples have a natural form other than arrays (sequences as
    strings, graphs as adjacency).
    """

    domains: tuple[str, ...] = ("vector",)

    def __init__(
        self,
        train: Batch,
        test: Batch,
        domains: tuple[str, ...] | None = None,
        kinds: Kinds | None = None,
    ):
        if domains is not None:
            self.domains = domains
        self.train = train
        self.test = test
        if batch_len(train) < 2 or batch_len(test) < 2:
            raise ValueError("a dataset needs at least two training and two held-out samples")
        self.kinds = kinds_of(train) if kinds is None else align(train, kinds)
        if kinds is not None:  # a default is a guess about unlabelled leaves, not a claim
            check_leaves(train, self.kinds, "train")
            check_leaves(test, align(test, self.kinds), "test")

    @property
    def n_train(self) -> int:
        return batch_len(self.train)

    @property
    def n_test(self) -> int:
        return batch_len(self.test)

    @property
    def device(self) -> torch.device:
        return tree_flatten(self.train)[0][0].device

    def to(self, device: torch.device | str) -> Dataset:
        self.train = tree_map(lambda t: t.to(device), self.train)
        self.test = tree_map(lambda t: t.to(device), self.test)
        return self

    def sample(self, n: int, generator: torch.Generator | None = None) -> Batch:
        """``n`` training samples drawn uniformly with replacement, as a model batch."""
        idx = torch.randint(self.n_train, (n,), device=self.device, generator=generator)
        return index(self.train, idx)

    def split(self, name: str, n: int | None = None) -> Batch:
        """The first ``n`` samples of the ``"train"`` or ``"test"`` split, as a model batch."""
        batch = self.train if name == "train" else self.test
        return batch if n is None else index(batch, slice(0, n))

    def decode(self, batch: Batch, generator: torch.Generator | None = None) -> Any:
        """Model batch -> samples in the domain's natural form (here: NumPy arrays).

        ``generator`` seeds any randomness in decoding (discrete sampling of soft outputs).
        """
        return tree_map(lambda t: t.detach().float().cpu().numpy(), batch)

    def encode(self, samples: Any) -> Batch:
        """Samples in natural form (as read from a file) -> model batch on this device."""
        return tree_map(lambda a: torch.as_tensor(np.asarray(a), device=self.device), samples)


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
