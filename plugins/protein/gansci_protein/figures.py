"""Report figures: sequence logos (logomaker) of real vs generated sequences."""

from __future__ import annotations

import numpy as np

from gansci_protein.alphabet import AMINO_ACIDS, N_AMINO
from gansci_protein.data import ProteinDataset


def _counts(codes: np.ndarray):
    import pandas as pd

    counts = np.stack([np.bincount(col[col < N_AMINO], minlength=N_AMINO) for col in codes.T])
    return pd.DataFrame(counts.astype(float), columns=list(AMINO_ACIDS))


def _draw(panels: list[tuple[str, np.ndarray]], path: str, width: float) -> None:
    import logomaker
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(panels), 1, figsize=(width, 2.2 * len(panels)), squeeze=False)
    for ax, (title, codes) in zip(axes[:, 0], panels, strict=True):
        info = logomaker.transform_matrix(
            _counts(codes), from_type="counts", to_type="information", pseudocount=0.01
        )
        logomaker.Logo(info, ax=ax, color_scheme="chemistry")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("bits")
        ax.set_ylim(0, np.log2(20))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def sequence_logo(samples: list[str], real: list[str], data: ProteinDataset, path: str) -> None:
    """Whole-sequence logos on the fixed-length layout: held-out real above generated."""
    real_c, gen_c = data.codes(real), data.codes(samples)
    width = min(40.0, 2 + 0.22 * data.length)
    _draw([("held-out real", real_c), ("generated", gen_c)], path, width)


def motif_logo(samples: list[str], real: list[str], data: ProteinDataset, path: str) -> None:
    """Per motif, the logo of the best-scoring window of each sequence: real vs generated."""
    if not data.pwms:
        _draw([("held-out real", data.codes(real)[:, :10])], path, 6)
        return
    panels = []
    for name, seqs in (("held-out real", real), ("generated", samples)):
        codes = data.codes(seqs)
        for pwm in data.pwms:
            w = np.lib.stride_tricks.sliding_window_view(codes, pwm.width, axis=1)
            scores = pwm.full()[np.arange(pwm.width), w].sum(-1)
            best = scores.argmax(1)
            panels.append((f"{pwm.name}: {name}", w[np.arange(len(codes)), best]))
    _draw(panels, path, 2 + 0.5 * max(p.width for p in data.pwms))
