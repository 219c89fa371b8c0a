"""A user's domains from files: folders of PNG/TIFF images (8/16-bit, 1 to 4 channels),
TIFF stacks, .npy/.npz stacks and 1-D signals (.npy rows, CSV); every fault is a one-line
DataError naming the file. Nothing is unpickled (np.load with allow_pickle=False)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gansci.plugin import DataError

IMAGES = (".png", ".tif", ".tiff")
ARRAYS = (".npy", ".npz", ".csv", ".txt")
TIFF_DTYPES = ("uint8", "uint16", "int8", "int16", "uint32", "int32", "float32", "float64")
LAYOUTS = ("auto", "signals", "fields")


def _image(path: Path) -> np.ndarray:
    """One image as (H, W) or (H, W, C), in its stored values."""
    try:
        if path.suffix.lower() == ".png":
            from PIL import Image

            with Image.open(path) as im:
                a = np.asarray(im)
        else:
            import tifffile

            a = tifffile.imread(path)
    except Exception as exc:
        raise DataError(f"{path}: cannot read as an image ({str(exc).splitlines()[0]})") from None
    if path.suffix.lower() != ".png" and a.dtype.name not in TIFF_DTYPES:
        raise DataError(f"{path}: TIFF of dtype {a.dtype}; supported: {', '.join(TIFF_DTYPES)}")
    if a.ndim not in (2, 3):
        raise DataError(f"{path}: an image of shape {a.shape}; expected (H, W) or (H, W, C)")
    return a


def read_folder(folder: Path) -> np.ndarray:
    """Every PNG/TIFF of ``folder`` (sorted by name) as (n, H, W, C) float64; sizes and
    channel counts must agree."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGES)
    if not files:
        raise DataError(f"{folder}: no PNG or TIFF images in the folder")
    images, first = [], None
    for path in files:
        a = _image(path)
        a = a[..., None] if a.ndim == 2 else a
        if first is None:
            first = (path, a.shape)
        elif a.shape != first[1]:
            raise DataError(
                f"{path}: an image of shape {a.shape} (H, W, C), but {first[0].name} has "
                f"{first[1]}; give images of one size and channel count"
            )
        images.append(a)
    return np.stack(images).astype(np.float64)


def _array(path: Path) -> np.ndarray:
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                if len(z.files) != 1:
                    raise DataError(f"{path}: holds arrays {z.files}; give a file of one array")
                return z[z.files[0]]
        if path.suffix in (".tif", ".tiff"):
            import tifffile

            a = tifffile.imread(path)
            if a.dtype.name not in TIFF_DTYPES:
                raise DataError(
                    f"{path}: TIFF of dtype {a.dtype}; supported: {', '.join(TIFF_DTYPES)}"
                )
            return a
        return np.loadtxt(path, delimiter="," if path.suffix == ".csv" else None, ndmin=2)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{path}: cannot read ({str(exc).splitlines()[0]})") from None


def read_stack(path: str | Path, layout: str = "auto", min_samples: int = 4) -> np.ndarray:
    """A domain's samples, channels last, float64: (n, L, C) signals or (n, H, W, C)
    fields. ``layout`` "auto" reads 2-D arrays and CSV as signal rows, 3-D arrays and
    image folders as fields; "signals" reads a 3-D array as (n, L, C)."""
    if layout not in LAYOUTS:
        raise DataError(f"data.layout: unknown {layout!r}; valid: {', '.join(LAYOUTS)}")
    path = Path(path)
    if path.is_dir():
        x = read_folder(path)
    elif not path.is_file():
        raise DataError(f"{path}: no such file or folder")
    elif path.suffix.lower() not in (*ARRAYS, ".tif", ".tiff"):
        raise DataError(f"{path}: unknown format {path.suffix!r}; use a folder of PNG/TIFF "
                        f"images, a TIFF stack, {', '.join(ARRAYS)}")  # fmt: skip
    else:
        x = np.asarray(_array(path))
        if x.dtype.kind not in "biuf":
            raise DataError(f"{path}: an array of dtype {x.dtype}; give numbers")
        if x.ndim == 2 or (x.ndim == 3 and layout != "signals"):
            x = x[..., None]
        if x.ndim not in (3, 4) or (layout == "signals" and x.ndim != 3):
            raise DataError(f"{path}: shape {x.shape}; expected (n, L[, C]) signals or "
                            "(n, H, W[, C]) fields")  # fmt: skip
        x = x.astype(np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        first = np.argwhere(bad)[0]
        raise DataError(f"{path}: {int(bad.sum())} NaN or infinite value(s), the first in "
                        f"sample {first[0]} at {tuple(int(i) for i in first[1:])}")  # fmt: skip
    if len(x) < min_samples:
        raise DataError(f"{path}: {len(x)} sample(s); at least {min_samples} are needed")
    return x


def write_npy(samples: np.ndarray, path: str) -> None:
    np.save(path, np.asarray(samples))


def write_npz(samples: np.ndarray, path: str) -> None:
    np.savez_compressed(path, samples=np.asarray(samples))


def write_tiff(samples: np.ndarray, path: str) -> None:
    """A float32 TIFF stack, (n, H, W) for one channel, else (n, H, W, C)."""
    import tifffile

    x = np.asarray(samples, dtype=np.float32)
    tifffile.imwrite(path, x[..., 0] if x.shape[-1] == 1 else x)


def new_folder(path: str, samples: np.ndarray, what: str) -> Path:
    """``path`` made a new, empty folder for one ``what`` image per 2-D sample (the atomic
    writer's empty placeholder file is replaced)."""
    if samples.ndim != 4:
        raise DataError(f"{path}: samples of shape {samples.shape[1:]} are not 2-D fields; "
                        f"a folder of {what} holds (H, W, C) samples: write .npy")  # fmt: skip
    folder = Path(path)
    if folder.is_file() and folder.stat().st_size == 0:
        folder.unlink()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DataError(f"{folder}: exists and is not an empty folder; choose a new name")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_png_folder(samples: np.ndarray, path: str) -> None:
    """One 16-bit grayscale PNG per sample (``00000.png`` ...), each value rounded to the
    nearest integer; a sample with values outside 0..65535 or more than one channel is a
    DataError naming it, and nothing is written."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 4 and x.shape[-1] != 1:
        raise DataError(f"{path}: samples of {x.shape[-1]} channels; a 16-bit PNG here holds "
                        "one: write a .tiff folder (float32) instead")  # fmt: skip
    low, high = x.reshape(len(x), -1).min(1), x.reshape(len(x), -1).max(1)
    bad = np.flatnonzero((low < -0.5) | (high >= 65535.5))
    if bad.size:
        i = bad[0]
        raise DataError(f"{path}: sample {i} holds values in [{low[i]:.4g}, {high[i]:.4g}]; "
                        "a 16-bit PNG holds 0..65535: write a .tiff folder (float32) "
                        "instead")  # fmt: skip
    from PIL import Image

    folder = new_folder(path, x, "16-bit PNGs")
    for i, a in enumerate(np.clip(np.rint(x[..., 0]), 0, 65535).astype(np.uint16)):
        Image.fromarray(a).save(folder / f"{i:05d}.png")


def write_tiff_folder(samples: np.ndarray, path: str) -> None:
    """One float32 TIFF per sample (``00000.tiff`` ...), (H, W) for one channel, else
    (H, W, C)."""
    import tifffile

    x = np.asarray(samples, dtype=np.float32)
    folder = new_folder(path, x, "TIFFs")
    for i, a in enumerate(x):
        tifffile.imwrite(folder / f"{i:05d}.tiff", a[..., 0] if a.shape[-1] == 1 else a)


def read_samples(path: str) -> np.ndarray:
    """Samples to translate: any input :func:`read_stack` takes (a file or an image
    folder); their layout is fitted to the run's domain when they are encoded."""
    return read_stack(path, min_samples=1)
