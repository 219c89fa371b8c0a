"""Datasets: real data in memory, a training split to draw batches from and a held-out split.

A batch is a tensor or a small structure of tensors (a tuple or dict, e.g. a graph's
adjacency and node mask) whose leaves share the leading batch dimension. Generators emit
fake batches of the same structure, so discriminators never see the difference.

A dataset may standardise its continuous leaves: the model then works in standard units
while ``decode`` gives, and ``encode`` takes, samples in the data's own units.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils._pytree import tree_flatten, tree_flatten_with_path, tree_map, tree_map_with_path

from gansci.engine import distributed
from gansci.errors import ConfigError, DataError
from gansci.kinds import Kinds, Op, align, allows, check_leaves, kinds_of, leaf_name

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Scale:
    """One standardised leaf's per-feature (last axis) mean and std, in float64:
    model units = (data units - mean) / std."""

    mean: np.ndarray
    std: np.ndarray


#: the domain of a dataset of views whose held-out views are true pairs, row by row
#: (test A[i] translates to test B[i]): metrics of this domain judge translations by them
KNOWN_PAIRS = "known_pairs"


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

    With ``standardize`` every continuous leaf is standardised per feature (its last axis)
    by the training split's mean and std, computed in float64 (per view); with
    ``standardize="range"`` each feature's training minimum and maximum map to -1 and 1
    instead (for networks with a tanh output). ``train`` and ``test`` are then given in the
    data's own units, best as float64. A constant feature
    keeps std 1 (it is only centred; a warning names it); a leaf whose every feature is
    constant, or any non-finite value, is a DataError. Subclasses that override
    :meth:`decode` call ``super().decode`` or :meth:`to_data_units` first.
    """

    domains: tuple[str, ...] = ("vector",)
    views: tuple[str, ...] = ()
    #: lines the report states about the data (what reading dropped or mapped, ...)
    facts: tuple[str, ...] | list[str] = ()

    def __init__(
        self,
        train: Batch,
        test: Batch,
        domains: tuple[str, ...] | None = None,
        views: tuple[str, ...] | None = None,
        kinds: Kinds | None = None,
        standardize: bool | str = False,
    ):
        if standardize not in (False, True, "range"):
            raise DataError(f"standardize must be True, False or 'range', got {standardize!r}")
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
        for name, split in (("train", train), ("test", test)):
            for view in self.views or (None,):
                _check_finite(self._part(split, view), name, view)
        self.scales: dict[tuple[str | None, str], Scale] = {}
        if standardize:
            self.scales = self._fit_scales(by_range=standardize == "range")
            self.train = self._map_views(self.to_model_units, train)
            self.test = self._map_views(self.to_model_units, test)

    def _map_views(self, fn: Any, split: Batch) -> Batch:
        """``fn(batch, view)`` on each view's part of a split (the split itself without views)."""
        if not self.views:
            return fn(split, None)
        return {view: fn(split[view], view) for view in self.views}

    def _fit_scales(self, by_range: bool = False) -> dict[tuple[str | None, str], Scale]:
        """(view, leaf) -> Scale of the leaves standardisation touches (continuous ones)."""
        named = tree_flatten_with_path(self.kinds)[0]
        names = {leaf_name(p) for p, kind in named if allows(kind, Op.STANDARDISE)}
        scales = {}
        for view in self.views or (None,):
            for path, t in tree_flatten_with_path(self._part(self.train, view))[0]:
                name = leaf_name(path)
                if name in names:
                    scales[view, name] = _fit_scale(t, name, view, by_range)
        return scales

    def _rescale(self, batch: Batch, view: str | None, forward: bool) -> Batch:
        def leaf(path: tuple, t: torch.Tensor) -> torch.Tensor:
            scale = self.scales.get((view, leaf_name(path)))
            if scale is None:
                return t
            mean, std = (torch.as_tensor(a, device=t.device) for a in (scale.mean, scale.std))
            if forward:
                return ((t.double() - mean) / std).float()
            return t.detach().double() * std + mean

        return tree_map_with_path(leaf, batch)

    def to_model_units(self, batch: Batch, view: str | None = None) -> Batch:
        """A batch in the data's own units -> standard units (float32 standardised leaves)."""
        return self._rescale(batch, view, forward=True)

    def to_data_units(self, batch: Batch, view: str | None = None) -> Batch:
        """A model batch -> the data's own units (float64 standardised leaves)."""
        return self._rescale(batch, view, forward=False)

    def normalization(self) -> list[dict[str, Any]]:
        """The standardisation as JSON-ready records, one per standardised leaf and view."""
        return [
            {"view": view, "leaf": name, "mean": s.mean.tolist(), "std": s.std.tolist()}
            for (view, name), s in self.scales.items()
        ]

    def adopt_normalization(self, records: list[dict[str, Any]]) -> str:
        """Standardise by ``records`` (a stored :meth:`normalization`) instead of this
        data's own statistics; returns what differs between the two ("" if nothing)."""
        stored = {(r["view"], r["leaf"]): Scale(*_floats(r)) for r in records}
        if set(stored) != set(self.scales):
            raise DataError(
                f"the stored normalisation covers leaves {sorted(map(str, stored))}, the data "
                f"standardises {sorted(map(str, self.scales))}: they do not fit one another"
            )
        difference = _first_difference(stored, self.scales)
        if difference:
            train = self._map_views(self.to_data_units, self.train)
            test = self._map_views(self.to_data_units, self.test)
            self.scales = stored
            self.train = self._map_views(self.to_model_units, train)
            self.test = self._map_views(self.to_model_units, test)
        return difference

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
        self,
        n: int,
        generator: torch.Generator | None = None,
        view: str | tuple[str, ...] | None = None,
    ) -> Batch:
        """``n`` training samples drawn uniformly with replacement, as a model batch; in a
        training step of several processes, this rank's share of one draw
        (:func:`gansci.engine.distributed.draw`). For a tuple of views, a tuple of batches
        drawn at the same rows (views whose training splits are row-aligned pairs)."""
        parts = [self._part(self.train, v) for v in (view if isinstance(view, tuple) else [view])]
        if len({batch_len(p) for p in parts}) > 1:
            raise DataError(f"views {', '.join(view)} differ in length: they are not paired")
        size, device = batch_len(parts[0]), self.device
        if generator is not None:
            idx = torch.randint(size, (n,), device=device, generator=generator)
        else:
            idx = distributed.draw(
                lambda g, m: torch.randint(size, (m,), device=device, generator=g), n
            )
        drawn = tuple(index(p, idx) for p in parts)
        return drawn if isinstance(view, tuple) else drawn[0]

    def split(self, name: str, n: int | None = None, view: str | None = None) -> Batch:
        """The first ``n`` samples of the ``"train"`` or ``"test"`` split, as a model batch."""
        batch = self._part(self.train if name == "train" else self.test, view)
        return batch if n is None else index(batch, slice(0, n))

    def decode(
        self,
        batch: Batch,
        generator: torch.Generator | None = None,
        view: str | None = None,
        *,
        standardized: bool = False,
    ) -> Any:
        """Model batch -> samples in the domain's natural form (here: NumPy arrays).

        ``generator`` seeds any randomness in decoding (discrete sampling of soft outputs).
        Standardised leaves come back in the data's own units (float64), or as the model
        made them with ``standardized=True``.
        """
        if not standardized:
            batch = self.to_data_units(batch, view)

        def leaf(t: torch.Tensor) -> np.ndarray:
            t = t.detach()
            return (t if t.dtype == torch.float64 else t.float()).cpu().numpy()

        return tree_map(leaf, batch)

    def encode(self, samples: Any, view: str | None = None) -> Batch:
        """Samples in natural form (as read from a file, in the data's own units) -> model
        batch on this device."""

        def leaf(a: Any) -> torch.Tensor:
            t = torch.as_tensor(np.asarray(a), device=self.device)
            return t.double() if t.is_floating_point() else t

        batch = self.to_model_units(tree_map(leaf, samples), view)
        return tree_map(lambda t: t.float() if t.is_floating_point() else t, batch)


def _check_finite(batch: Batch, split: str, view: str | None) -> None:
    for path, t in tree_flatten_with_path(batch)[0]:
        if t.is_floating_point() and not torch.isfinite(t).all():
            where = f"view {view!r}, " if view else ""
            raise DataError(
                f"data leaf {leaf_name(path)} ({where}{split} split): "
                f"{int((~torch.isfinite(t)).sum())} NaN or infinite value(s)"
            )


def _fit_scale(t: torch.Tensor, name: str, view: str | None, by_range: bool = False) -> Scale:
    """Per-feature mean and std in float64, on values divided by each feature's largest
    magnitude first: the squares of data near 1e300 would overflow even float64.
    ``by_range``: the centre and half-width of each feature's range instead."""
    x = t.detach().cpu().double().numpy()
    x = x.reshape(-1, x.shape[-1] if x.ndim > 1 else 1)
    big = np.abs(x).max(0)
    big = np.where(big > 0, big, 1.0)
    if by_range:
        lo, hi = (x / big).min(0), (x / big).max(0)
        mean, std = (hi + lo) / 2 * big, (hi - lo) / 2 * big
    else:
        mean, std = (x / big).mean(0) * big, (x / big).std(0) * big
    where = f"data leaf {name}" + (f" (view {view!r})" if view else "")
    constant = np.flatnonzero(std == 0)
    if len(constant) == len(std):
        raise DataError(f"{where}: every feature is constant; there is nothing to learn")
    if len(constant):
        log.warning("%s: feature(s) %s are constant; they are centred, not scaled", where,
                    constant.tolist())  # fmt: skip
    return Scale(mean, np.where(std > 0, std, 1.0))


def _floats(record: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(record["mean"], dtype=np.float64), np.asarray(record["std"], dtype=np.float64)


def _first_difference(a: dict[Any, Scale], b: dict[Any, Scale]) -> str:
    """The first leaf whose mean or std differs between two standardisations ("" if none)."""
    for (view, name), scale in a.items():
        for field in ("mean", "std"):
            x, y = getattr(scale, field), getattr(b[view, name], field)
            if x.shape != y.shape:
                return f"leaf {name}: {len(x)} features stored, {len(y)} now"
            differ = np.flatnonzero(~np.isclose(x, y, rtol=1e-9, atol=0))
            if len(differ):
                i = differ[0]
                return f"leaf {name}: {field} of feature {i} {x[i]:.6g} stored, {y[i]:.6g} now"
    return ""


def split_train_test(x: torch.Tensor, test_fraction: float, seed: int) -> tuple[Any, Any]:
    """A seeded random split of the rows of ``x`` into train and held-out parts."""
    if not 0 < test_fraction < 1:
        raise ConfigError(f"data.test_fraction must be between 0 and 1, got {test_fraction}")
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(x.shape[0], generator=g)
    n_test = max(2, int(round(x.shape[0] * test_fraction)))
    return x[perm[n_test:]], x[perm[:n_test]]


#: The largest magnitude a user's array may hold: metrics square distances in its units.
MAX_MAGNITUDE = 1e150


def read_array(path: str | Path, min_rows: int = 2, allow_constant: bool = False) -> np.ndarray:
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
    big = np.abs(a) > MAX_MAGNITUDE
    if big.any():
        row, col = np.argwhere(big)[0]
        raise DataError(
            f"{path}: a value of {a[row, col]:.3g} (row {row}, column {col}) is beyond "
            f"{MAX_MAGNITUDE:.0e}, where squared distances overflow float64; rescale the file"
        )
    if not allow_constant and np.all(a.max(0) == a.min(0)):
        raise DataError(f"{path}: every value is constant; there is nothing to learn")
    return a


def cache_dir(*parts: str) -> Path:
    """Where generated datasets are cached: ``$GANSCI_CACHE`` or ``~/.cache/gansci``."""
    import os

    root = Path(os.environ.get("GANSCI_CACHE", Path.home() / ".cache" / "gansci"))
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
