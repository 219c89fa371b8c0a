"""Two unpaired domains as one dataset: views A and B, channels last, each domain's own
range mapped to [-1, 1] (the translators end in tanh) and back on the way out."""

from __future__ import annotations

import numpy as np
import torch

from gansci.plugin import KNOWN_PAIRS, DataError, Dataset

#: every cyclegan dataset; KNOWN_PAIRS only where test A[i] and B[i] are a true pair
DOMAINS = ("cyclegan",)
#: added by Domains: 2-D samples (image folders apply), and single-channel 2-D samples
#: whose values are all integers in 0..65535 (8/16-bit images: 16-bit PNG holds them)
FIELDS, UINT16 = "cyclegan-2d", "cyclegan-uint16"


def as_channels_last(x: np.ndarray, channels: int | None, where: str) -> np.ndarray:
    """``x`` as (n, L, C) or (n, H, W, C): a missing channel axis is added when the
    domain has one channel (or ``channels`` is None and the array is (n, H, W))."""
    if x.ndim == 2 or (x.ndim == 3 and channels in (None, 1) and x.shape[-1] != 1):
        x = x[..., None]
    if x.ndim not in (3, 4):
        raise DataError(f"{where}: shape {x.shape}; expected (n, L[, C]) or (n, H, W[, C])")
    return x


class Domains(Dataset):
    """Views ``A`` and ``B`` of float64 arrays (n, ..., C) in the data's own units.

    ``paired``: the training views are row-aligned true pairs (for the supervised upper
    bound); ``value_range``: the fixed range PSNR is measured on; ``labels``: per split
    and view, class labels aligned with the samples (for label-preservation metrics).
    """

    def __init__(
        self,
        train: dict[str, np.ndarray],
        test: dict[str, np.ndarray],
        domains: tuple[str, ...] = DOMAINS,
        paired: bool = False,
        value_range: float | None = None,
        labels: dict | None = None,
        names: dict[str, str] | None = None,
    ):
        for view in ("A", "B"):
            shapes = {train[view].shape[1:], test[view].shape[1:]}
            if len(shapes) > 1:
                raise DataError(f"domain {view}: train and test samples differ in shape {shapes}")
        ca, cb = train["A"].shape[-1], train["B"].shape[-1]
        if ca != cb:
            a, b = (names or {}).get("A", "domain A"), (names or {}).get("B", "domain B")
            raise DataError(f"{a} has {ca} channel(s) but {b} has {cb}: give both the same")
        t = {
            k: torch.as_tensor(np.ascontiguousarray(v, dtype=np.float64)) for k, v in train.items()
        }
        h = {k: torch.as_tensor(np.ascontiguousarray(v, dtype=np.float64)) for k, v in test.items()}
        tags = shape_domains([*train.values(), *test.values()])
        super().__init__(t, h, (*domains, *tags), views=("A", "B"), standardize="range")
        self.paired = paired
        span = max(float(train[v].max() - train[v].min()) for v in ("A", "B"))
        self.value_range = value_range or span
        self.labels = labels or {}

    def shape(self, view: str) -> tuple[int, ...]:
        return tuple(self.split("train", 1, view=view).shape[1:])

    def encode(self, samples, view=None):
        """Samples of ``view`` in its own units; a missing single channel axis is added,
        any other shape is a DataError naming both shapes."""
        want = self.shape(view)
        x = np.asarray(samples, dtype=np.float64)
        if x.ndim == len(want) + 2 and x.shape[-1] == 1:  # (n, L, C) read as one-channel fields
            x = x[..., 0]
        x = as_channels_last(x, want[-1], "input")
        if tuple(x.shape[1:]) != want:
            raise DataError(
                f"the input samples have shape {tuple(x.shape[1:])}; domain {view} of this "
                f"run has samples of shape {want}"
            )
        if not np.isfinite(x).all():
            raise DataError(f"the input holds {int((~np.isfinite(x)).sum())} NaN/inf value(s)")
        return super().encode(x, view=view)


def shape_domains(arrays: list[np.ndarray]) -> tuple[str, ...]:
    """FIELDS when the samples are 2-D, UINT16 too when they have one channel and every
    value is an integer in 0..65535."""
    if arrays[0].ndim != 4:
        return ()
    whole = all(
        x.shape[-1] == 1 and x.min() >= 0 and x.max() <= 65535 and np.array_equal(x, np.rint(x))
        for x in arrays
    )
    return (FIELDS, UINT16) if whole else (FIELDS,)


def known_pairs(draw, transform, n_train: int, n_test: int, paired: bool,
                rng: np.random.Generator, value_range: float) -> Domains:  # fmt: skip
    """A benchmark of known pairs: A ~ ``draw(n, rng)``, B = ``transform(a, rng)``; the
    training A and B come from independent draws (unpaired), unless ``paired`` (the
    supervised upper bound), and the held-out ones are true pairs."""
    a_train, b_source, a_test = draw(n_train, rng), draw(n_train, rng), draw(n_test, rng)
    b_test = transform(a_test, rng)
    b_train = transform(a_train if paired else b_source, rng)
    train = {"A": a_train[..., None], "B": b_train[..., None]}
    test = {"A": a_test[..., None], "B": b_test[..., None]}
    return Domains(train, test, (*DOMAINS, KNOWN_PAIRS), paired=paired, value_range=value_range)


def user_domains(a: str = "", b: str = "", test_fraction: float = 0.1, layout: str = "auto",
                 seed: int = 0) -> Domains:  # fmt: skip
    """Your own two domains (data.a, data.b): image folders, TIFF stacks, .npy/.npz
    stacks or 1-D signals (.npy rows, CSV); ``test_fraction`` of each is held out."""
    from gansci_cyclegan.io import read_stack

    if not a or not b:
        raise DataError("give both domains: --set data.a=PATH --set data.b=PATH")
    if not 0 < test_fraction < 1:
        raise DataError(f"data.test_fraction must be in (0, 1), got {test_fraction}")
    train, test = {}, {}
    for view, path in (("A", a), ("B", b)):
        x = read_stack(path, layout)
        order = np.random.default_rng(seed).permutation(len(x))
        n_test = max(2, round(len(x) * test_fraction))
        if len(x) - n_test < 2:
            raise DataError(f"{path}: {len(x)} samples leave fewer than 2 to train on")
        train[view], test[view] = x[order[n_test:]], x[order[:n_test]]
    if train["A"].shape[1:-1] != train["B"].shape[1:-1]:
        raise DataError(f"{a} has samples of size {train['A'].shape[1:-1]}, {b} of "
                        f"{train['B'].shape[1:-1]}: the cycle game needs one size")  # fmt: skip
    return Domains(train, test, names={"A": a, "B": b})
