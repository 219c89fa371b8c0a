"""Report figures: the attractor real vs generated, correlation sums and local slopes,
occupancy histograms."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gansci_lorenz.dimension import correlation_dimension, default_radii
from gansci_lorenz.measures import _flat, occupancy_box

MAX_SCATTER = 20000
MAX_3D = 4000  # a 3-D scatter is drawn as vectors; more points only make the file big


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def attractor(samples: np.ndarray, real: np.ndarray, dataset, path: str) -> None:
    """Real and generated points: the three 2-D projections and a 3-D view."""
    plt = _plt()
    x, y = _flat(samples)[:MAX_SCATTER], _flat(real)[:MAX_SCATTER]
    d = x.shape[1]
    pairs = [(0, 1)] if d == 2 else [(0, 1), (0, 2), (1, 2)]
    three_d = d >= 3
    fig = plt.figure(figsize=(4 * (len(pairs) + three_d), 8))
    for row, (pts, label, color) in enumerate(
        [(y, "real", "tab:blue"), (x, "generated", "tab:red")]
    ):
        for k, (i, j) in enumerate(pairs):
            ax = fig.add_subplot(2, len(pairs) + three_d, row * (len(pairs) + three_d) + k + 1)
            ax.scatter(pts[:, i], pts[:, j], s=0.3, alpha=0.3, color=color, rasterized=True)
            ax.set_xlabel(f"x{i}")
            ax.set_ylabel(f"x{j}")
            ax.set_title(f"{label}: x{i}-x{j}")
        if three_d:
            ax = fig.add_subplot(2, len(pairs) + 1, (row + 1) * (len(pairs) + 1), projection="3d")
            few = pts[:MAX_3D]
            ax.scatter(few[:, 0], few[:, 1], few[:, 2], s=0.3, alpha=0.3, color=color)
            ax.set_title(f"{label}: 3-D")
    fig.tight_layout()
    fig.savefig(Path(path), dpi=100)
    plt.close(fig)


def correlation_sums(samples: np.ndarray, real: np.ndarray, dataset, path: str) -> None:
    """log C(r) against log r and the local slopes, real and generated on the same radii,
    with the real scaling region shaded."""
    plt = _plt()
    y = _flat(real)
    radii = default_radii(y)
    ref = correlation_dimension(y, radii=radii)
    gen = correlation_dimension(_flat(samples), radii=radii, region=ref.region, min_pairs=0)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for res, label, color in [(ref, "real", "tab:blue"), (gen, "generated", "tab:red")]:
        c = np.where(res.c > 0, res.c, np.nan)
        a.loglog(radii, c, "o-", ms=3, color=color, label=f"{label}: D2 = {res.d2:.3f}")
        b.semilogx(radii, res.slopes, "o-", ms=3, color=color, label=label)
    for ax in (a, b):
        ax.axvspan(*ref.region, color="0.9", zorder=0)
        ax.set_xlabel("r")
        ax.legend()
    a.set_ylabel("C(r)")
    b.set_ylabel("local slope d log C / d log r")
    b.axhline(ref.d2, color="tab:blue", lw=0.8, ls="--")
    fig.tight_layout()
    fig.savefig(Path(path), dpi=100)
    plt.close(fig)


def occupancy_histograms(samples: np.ndarray, real: np.ndarray, dataset, path: str) -> None:
    """Occupancy histograms (log counts) over the real box, projected on coordinate pairs."""
    plt = _plt()
    x, y = _flat(samples), _flat(real)
    lo, hi = occupancy_box(y)
    d = len(lo)
    pairs = [(0, 1)] if d == 2 else [(0, 1), (0, 2), (1, 2)]
    fig, axes = plt.subplots(2, len(pairs), figsize=(4 * len(pairs), 7.5), squeeze=False)
    for row, (pts, label) in enumerate([(y, "real"), (x, "generated")]):
        for ax, (i, j) in zip(axes[row], pairs, strict=True):
            h, _, _ = np.histogram2d(
                pts[:, i], pts[:, j], bins=64, range=[[lo[i], hi[i]], [lo[j], hi[j]]]
            )
            ax.imshow(
                np.log1p(h.T),
                origin="lower",
                aspect="auto",
                cmap="magma",
                extent=[lo[i], hi[i], lo[j], hi[j]],
            )
            ax.set_title(f"{label}: occupancy x{i}-x{j} (log)")
    fig.tight_layout()
    fig.savefig(Path(path), dpi=100)
    plt.close(fig)
