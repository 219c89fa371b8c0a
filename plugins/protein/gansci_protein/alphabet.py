"""The protein alphabet, its policy for non-standard letters, and one-hot coding.

Symbols: the 20 standard amino acids, then ``-`` (an alignment gap, kept as a symbol) and
``.`` (padding after the end of an unaligned sequence). Policy for other letters:

* lower case is accepted and upper-cased (it often marks insert states or masking);
* ``U`` (selenocysteine) becomes ``C`` and ``O`` (pyrrolysine) becomes ``K``, their
  canonical parents;
* ``B``, ``Z``, ``J``, ``X`` (ambiguous) and anything else are errors naming the record and
  position, unless the dataset is told to drop the records holding them;
* one trailing ``*`` (a stop from translation) is removed.
"""

from __future__ import annotations

import numpy as np
import torch

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
GAP = "-"
PAD = "."
SYMBOLS = AMINO_ACIDS + GAP + PAD
N_AMINO = len(AMINO_ACIDS)
GAP_INDEX = SYMBOLS.index(GAP)
PAD_INDEX = SYMBOLS.index(PAD)
CANONICAL = {"U": "C", "O": "K"}
AMBIGUOUS = "BZJX"

_CODE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(SYMBOLS):
    _CODE[ord(_c)] = _i


def to_codes(seqs: list[str], length: int) -> np.ndarray:
    """Sequences (already clean) -> integer codes (n, length), padded with the pad symbol."""
    out = np.full((len(seqs), length), PAD_INDEX, dtype=np.int64)
    for i, s in enumerate(seqs):
        raw = np.frombuffer(s[:length].encode("ascii"), dtype=np.uint8)
        out[i, : len(raw)] = _CODE[raw]
    if (out < 0).any():
        i, j = np.argwhere(out < 0)[0]
        raise ValueError(f"sequence {i} has {seqs[i][j]!r} at position {j + 1}, not in {SYMBOLS}")
    return out


def from_codes(codes: np.ndarray) -> list[str]:
    """Integer codes -> strings; a sequence ends at its first pad symbol."""
    table = np.frombuffer(SYMBOLS.encode("ascii"), dtype=np.uint8)
    out = []
    for row in np.asarray(codes):
        s = table[row].tobytes().decode("ascii")
        out.append(s.split(PAD, 1)[0])
    return out


def one_hot(codes: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Integer codes (n, L) -> float one-hot (n, L, A)."""
    codes = torch.as_tensor(np.asarray(codes), dtype=torch.long)
    return torch.nn.functional.one_hot(codes, len(SYMBOLS)).float()
