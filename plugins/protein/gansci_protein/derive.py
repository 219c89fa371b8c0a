"""PWMs derived from a family alignment when no motif file is given: its most conserved
windows (lowest mean per-column entropy) or one full-length position-specific profile."""

from __future__ import annotations

import numpy as np
from Bio import motifs

from gansci.plugin import ConfigError
from gansci_protein.alphabet import AMINO_ACIDS, N_AMINO, PAD_INDEX
from gansci_protein.pwm import PWM, pwm_from_motif

MODES = ("windows", "profile")


def column_entropy(codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per column, the entropy (nats) of the weighted symbol frequencies, gaps included
    (a gapped column is not a conserved one)."""
    onehot = np.eye(PAD_INDEX + 1)[codes]  # (n, L, A)
    f = np.einsum("n,nla->la", weights, onehot) / weights.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(f > 0, f * np.log(f), 0.0).sum(1)


def conserved_windows(entropy: np.ndarray, n_windows: int, width: int) -> list[int]:
    """Starts of up to ``n_windows`` non-overlapping windows of ``width`` columns (at most
    all of them), lowest mean entropy first (greedy)."""
    width = min(width, len(entropy))
    mean = np.convolve(entropy, np.ones(width) / width, mode="valid")
    starts: list[int] = []
    for s in np.argsort(mean, kind="stable"):
        if all(abs(int(s) - t) >= width for t in starts):
            starts.append(int(s))
        if len(starts) == n_windows:
            break
    return sorted(starts)


def family_pwms(
    codes: np.ndarray,
    weights: np.ndarray,
    background: np.ndarray,
    mode: str = "windows",
    n_windows: int = 4,
    width: int = 10,
    pseudocounts: float = 0.5,
) -> list[PWM]:
    """PWMs from the weighted residue counts of the training alignment's columns (gaps are
    not counted): ``windows`` gives one per conserved window (named by its columns,
    ``cols12-21``), ``profile`` one over every column."""
    if mode not in MODES:
        raise ConfigError(f"data.pwm: unknown mode {mode!r}; valid: {', '.join(MODES)}")
    length = codes.shape[1]
    if mode == "profile":
        spans = [(0, length)]
    else:
        starts = conserved_windows(column_entropy(codes, weights), n_windows, width)
        spans = [(s, s + min(width, length)) for s in starts]
    counts = np.einsum("n,nla->la", weights, np.eye(PAD_INDEX + 1)[codes][..., :N_AMINO])
    out = []
    for a, b in spans:
        name = "profile" if mode == "profile" else f"cols{a + 1}-{b}"
        motif = motifs.Motif(
            alphabet=AMINO_ACIDS,
            counts={c: counts[a:b, k].tolist() for k, c in enumerate(AMINO_ACIDS)},
        )
        out.append(pwm_from_motif(motif, name, pseudocounts, background))
    return out
