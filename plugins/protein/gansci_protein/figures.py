"""Report figures: sequence logos (logomaker) of each motif's best windows, real vs
generated, and the per-position conservation profile of the whole sequence."""

from __future__ import annotations

import numpy as np

from gansci_protein.alphabet import AMINO_ACIDS, N_AMINO
from gansci_protein.data import ProteinDataset
from gansci_protein.metrics import _entropy_profile

#: Letters never taller than this (bits) in a panel are left out: logomaker draws every
#: cell as a glyph, and drawing is the slow part of a report.
MIN_BITS = 0.05


def _information(codes: np.ndarray):
    import logomaker
    import pandas as pd

    counts = np.stack([np.bincount(col[col < N_AMINO], minlength=N_AMINO) for col in codes.T])
    df = pd.DataFrame(counts.astype(float), columns=list(AMINO_ACIDS))
    info = logomaker.transform_matrix(
        df, from_type="counts", to_type="information", pseudocount=0.01
    )
    keep = [c for c in info.columns if info[c].max() >= MIN_BITS] or [info.max().idxmax()]
    return info[keep]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def motif_logo(samples: list[str], real: list[str], data: ProteinDataset, path: str) -> None:
    """Per motif, the logo of the best-scoring window of each sequence: real vs generated."""
    import logomaker

    plt = _plt()
    if not data.pwms:
        fig, ax = plt.subplots(figsize=(5, 1.5))
        ax.text(0.5, 0.5, "no motifs (data.motifs=FILE)", ha="center")
        ax.axis("off")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        return
    panels = []
    for pwm in data.pwms:
        for name, seqs in (("held-out real", real), ("generated", samples)):
            codes = data.codes(seqs)
            w = np.lib.stride_tricks.sliding_window_view(codes, pwm.width, axis=1)
            best = pwm.full()[np.arange(pwm.width), w].sum(-1).argmax(1)
            panels.append((f"{pwm.name}: {name}", w[np.arange(len(codes)), best]))
    width = 2 + 0.45 * max(p.width for p in data.pwms)
    fig, axes = plt.subplots(len(panels) // 2, 2, figsize=(2 * width, 2.0 * len(panels) // 2))
    for ax, (title, codes) in zip(np.atleast_2d(axes).ravel(), panels, strict=True):
        logomaker.Logo(_information(codes), ax=ax, color_scheme="chemistry")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("bits")
        ax.set_ylim(0, np.log2(20))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def conservation_profile(
    samples: list[str], real: list[str], data: ProteinDataset, path: str
) -> None:
    """Per-position entropy of real and generated sequences on the fixed-length layout."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(min(16.0, 3 + 0.12 * data.length), 3))
    for name, seqs in (("held-out real", real), ("generated", samples)):
        ax.plot(_entropy_profile(data.codes(seqs)), label=name, marker=".")
    ax.set_xlabel("position")
    ax.set_ylabel("entropy (nats)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def pca(samples: list[str], real: list[str], data: ProteinDataset, path: str) -> None:
    """One-hot sequences projected on the first two principal components of the weighted
    training alignment: training, held-out and generated."""
    import torch

    from gansci_protein.dca import one_hot

    plt = _plt()
    train = data.split("train").argmax(-1).cpu().numpy()
    x = one_hot(train)
    w = torch.ones(len(x)) if data.weights is None else torch.as_tensor(data.weights).float()
    w = w / w.sum()
    mean = w @ x
    _, _, v = torch.svd_lowrank((x - mean) * w.sqrt()[:, None], q=2, niter=4)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    for name, codes, style in (
        ("training natural", train, {"c": "0.75", "s": 4}),
        ("held-out natural", data.codes(real), {"c": "tab:blue", "s": 6}),
        ("generated", data.codes(samples), {"c": "tab:red", "s": 6, "alpha": 0.5}),
    ):
        p = ((one_hot(codes) - mean) @ v).numpy()
        ax.scatter(p[:, 0], p[:, 1], label=name, **style)
    ax.set_xlabel("PC1")
    ax.set_ylabel("PC2")
    ax.legend(fontsize=8, markerscale=3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
