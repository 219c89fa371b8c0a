"""The report's translation figure: held-out inputs, their translations and the targets
they are judged against, as an image grid (fields) or overlaid lines (signals)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gansci.plugin import KNOWN_PAIRS  # noqa: E402


def columns(samples, real, data, view: str | None, rows: int) -> list[tuple[str, np.ndarray]]:
    """(title, first ``rows`` samples) per column: the held-out inputs of the source view
    (what ``samples`` translate), the translations, and the targets (their true partners
    where the data knows its pairs)."""
    n = min(rows, len(samples), len(real))
    fake, target = np.asarray(samples)[:n], np.asarray(real)[:n]
    if view is None:  # not a translation: generated beside real
        return [("generated", fake), ("real", target)]
    source = {"A": "B", "B": "A"}[view]
    x = data.decode(data.split("test", n, view=source), view=source)
    partner = f"true {view}" + " = T(A)" * (view == "B")
    if KNOWN_PAIRS not in data.domains:
        partner = f"held-out {view} (not a partner)"
    return [(source, x), (f"G_{source}{view}({source})", fake), (partner, target)]


def translation_grid(samples, real, data, path: str, view: str | None = None, rows: int = 4):
    """Input | G(input) | true partner for the first ``rows`` held-out inputs: fields as
    images (the first channel; the translation shares its target's colour scale),
    signals as overlaid lines (the first channel). The cycle column is not drawn: a
    figure is given one direction's translations, not the run's other translator."""
    cols = columns(samples, real, data, view, rows)
    n = len(cols[0][1])
    where = f"{cols[0][0]}2{view}: " if view else ""
    title = where + " | ".join(t for t, _ in cols)
    title += "  (no cycle column: a figure is given one direction)" * bool(view)
    if np.asarray(samples).ndim == 3:  # (n, L, C) signals
        fig, axes = plt.subplots(n, 1, figsize=(8, 1.6 * n + 0.5), squeeze=False)
        for i in range(n):
            ax = axes[i][0]
            for (label, x), style in zip(cols, ("-", "-", "--"), strict=False):
                ax.plot(x[i, :, 0], style, lw=0.9, label=label)
            ax.tick_params(labelsize=6)
        axes[0][0].legend(fontsize=7, loc="upper right")
    else:
        fig, axes = plt.subplots(n, len(cols), figsize=(1.8 * len(cols), 1.8 * n + 0.5),
                                 squeeze=False)  # fmt: skip
        target = cols[-1][1][..., 0]
        scales = [(None, None)] * (len(cols) - 2) + [(target.min(), target.max())] * 2
        for j, ((label, x), (lo, hi)) in enumerate(zip(cols, scales, strict=True)):
            for i in range(n):
                ax = axes[i][j]
                ax.imshow(x[i, ..., 0], cmap="gray", vmin=lo, vmax=hi)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[0][j].set_title(label, fontsize=8)
    fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
