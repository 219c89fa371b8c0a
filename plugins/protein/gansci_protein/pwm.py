"""Position weight matrices: built with Bio.motifs, scanned by the plugin's own
differentiable torch scanner (Biopython's PSSM search refuses protein alphabets).

Scores are log-odds in bits. Positions holding a gap or padding score the worst log-odds
of that motif column, so a motif is never found across the end of a sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from Bio import motifs
from Bio.Seq import Seq
from torch import Tensor, nn
from torch.nn import functional as F

from gansci.plugin import DataError
from gansci_protein.alphabet import AMINO_ACIDS, SYMBOLS

# Biopython parses protein motifs only from MEME's XML output; its TRANSFAC, MEME-minimal
# and JASPAR readers hard-code DNA. JASPAR-style count matrices are read here (a few
# lines) and handed to Bio.motifs as counts, which does the rest.
#: residues per look-up of the gather path: 22**3 rows of float32 stay in L2 cache
KMER = 3

MOTIF_FORMATS = {
    ".xml": "MEME XML",
    ".jaspar": "JASPAR-style counts",
    ".pfm": "JASPAR-style counts",
}


@dataclass
class PWM:
    """A motif's log-odds matrix (width, 20) in bits over :data:`AMINO_ACIDS`."""

    name: str
    log_odds: np.ndarray

    @property
    def width(self) -> int:
        return self.log_odds.shape[0]

    def full(self) -> np.ndarray:
        """(width, A) over every symbol: gap and pad score the column's worst residue."""
        worst = self.log_odds.min(1, keepdims=True)
        extra = np.repeat(worst, len(SYMBOLS) - len(AMINO_ACIDS), axis=1)
        return np.concatenate([self.log_odds, extra], axis=1)


def _background(background: Sequence[float] | None) -> dict[str, float]:
    if background is None:
        return dict.fromkeys(AMINO_ACIDS, 1 / 20)
    b = np.asarray(background, float)
    return dict(zip(AMINO_ACIDS, b / b.sum(), strict=True))


def pwm_from_motif(
    motif: motifs.Motif, name: str, pseudocounts: float, background: Sequence[float] | None
) -> PWM:
    """Counts -> pseudocounts -> background -> log-odds, all by Bio.motifs."""
    letters = set(motif.alphabet)
    missing = set(AMINO_ACIDS) - letters
    if missing or letters - set(AMINO_ACIDS):
        raise DataError(
            f"motif {name!r}: its alphabet {''.join(sorted(letters))} is not the 20 amino acids"
        )
    pwm = motif.counts.normalize(pseudocounts=pseudocounts)
    pssm = pwm.log_odds(background=_background(background))
    return PWM(name, np.array([[pssm[a][k] for a in AMINO_ACIDS] for k in range(motif.length)]))


def pwm_from_instances(
    instances: Sequence[str],
    name: str = "motif",
    pseudocounts: float = 0.5,
    background: Sequence[float] | None = None,
) -> PWM:
    """A PWM from aligned motif instances (equal-length strings)."""
    motif = motifs.create([Seq(s) for s in instances], alphabet=AMINO_ACIDS)
    return pwm_from_motif(motif, name, pseudocounts, background)


def read_motifs(
    path: str | Path, pseudocounts: float = 0.5, background: Sequence[float] | None = None
) -> list[PWM]:
    """PWMs from a protein motif file: MEME XML output (``.xml``, parsed by Bio.motifs) or
    JASPAR-style count matrices (``.jaspar``/``.pfm``: a ``>ID name`` line, then one
    ``A [ counts ]`` row per amino acid)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such motif file")
    kind = MOTIF_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"{path}: unknown motif format; valid suffixes: {sorted(MOTIF_FORMATS)}")
    try:
        if kind == "MEME XML":
            with path.open() as f:
                found = list(motifs.parse(f, "meme"))
        else:
            found = _read_jaspar_counts(path)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{path}: cannot read as {kind}: {exc}") from None
    if not found:
        raise DataError(f"{path}: holds no motif")
    return [
        pwm_from_motif(m, m.name or f"motif{i + 1}", pseudocounts, background)
        for i, m in enumerate(found)
    ]


def _read_jaspar_counts(path: Path) -> list[motifs.Motif]:
    found: list[motifs.Motif] = []
    name, rows = "", {}

    def flush(line_no: int) -> None:
        if not rows:
            return
        missing = [a for a in AMINO_ACIDS if a not in rows]
        widths = {len(v) for v in rows.values()}
        if missing or len(widths) != 1:
            raise DataError(
                f"{path}: motif {name!r} (ending line {line_no}) needs one row of equal length "
                f"for each of {AMINO_ACIDS}; missing {''.join(missing) or 'none'}"
            )
        m = motifs.Motif(alphabet=AMINO_ACIDS, counts={a: rows[a] for a in AMINO_ACIDS})
        m.name = name
        found.append(m)

    for line_no, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text:
            continue
        if text.startswith(">"):
            flush(line_no)
            name, rows = (text[1:].split() or [""])[-1], {}
            continue
        letter, _, rest = text.partition("[")
        letter = letter.strip().upper()
        if letter not in AMINO_ACIDS or not rest.rstrip().endswith("]"):
            raise DataError(f"{path}: line {line_no}: expected 'A [ counts ]', got {text[:40]!r}")
        try:
            rows[letter] = [float(v) for v in rest.rstrip()[:-1].split()]
        except ValueError:
            raise DataError(f"{path}: line {line_no}: counts must be numbers") from None
    flush(line_no + 1 if rows else 0)
    return found


def write_jaspar_counts(
    counts: Sequence[np.ndarray], names: Sequence[str], path: str | Path
) -> None:
    """Count (or probability) matrices (width, 20) as a JASPAR-style protein file."""
    lines = []
    for c, name in zip(counts, names, strict=True):
        lines.append(f">{name} {name}")
        for j, a in enumerate(AMINO_ACIDS):
            lines.append(f"{a} [ " + " ".join(f"{v:g}" for v in np.asarray(c)[:, j]) + " ]")
    Path(path).write_text("\n".join(lines) + "\n")


class PWMScanner(nn.Module):
    """Log-odds of every motif at every window of a one-hot or soft one-hot batch.

    Input ``(n, L, A)``. The log-odds are fixed buffers, so the scanner is differentiable
    in its input but has nothing to learn; soft input gives the expected score under its
    per-position distributions. A window's score is ``sum_k x[p + k] . W[k]``: one batched
    matmul gives every ``x[j] . W[k]`` as ``(n, width, L)``, then the taps are added along
    shifted rows. On CPU that is several times faster than ``conv1d`` with one output
    channel (benchmarks/protein_pwm_scan.py).

    Integer-coded (hard) sequences take :meth:`scan_codes` instead: a gather of log-odds by
    residue, not arithmetic on one-hot rows. Runs of ``KMER`` residues are coded as one
    symbol of ``A**KMER`` and each group of ``KMER`` taps as one table column, so a window
    is ``width / KMER`` look-ups: one ``embedding`` of the k-mer codes gives every tap
    group's value at every position, and a strided view sums its diagonals (no copies).
    """

    def __init__(self, pwms: Sequence[PWM]):
        super().__init__()
        if not pwms:
            raise DataError("a PWM scanner needs at least one motif")
        self.names = [p.name for p in pwms]
        for i, p in enumerate(pwms):
            w = torch.tensor(p.full(), dtype=torch.float64)
            self.register_buffer(f"weight{i}", w)
            self.register_buffer(f"kmers{i}", _kmer_table(w, KMER), persistent=False)

    @property
    def weights(self) -> list[Tensor]:
        """Per motif, its log-odds ``(width, A)``."""
        return [getattr(self, f"weight{i}") for i in range(len(self.names))]

    def scan(self, x: Tensor) -> list[Tensor]:
        """Per motif, the scores ``(n, L - width + 1)`` of every window."""
        xt = x.transpose(1, 2)
        out = []
        for w in self.weights:
            taps = torch.matmul(w.to(x.dtype), xt)  # (n, width, L)
            n_pos = x.shape[1] - w.shape[0] + 1
            s = taps[:, 0, :n_pos].clone()
            for k in range(1, w.shape[0]):
                s += taps[:, k, k : k + n_pos]
            out.append(s)
        return out

    def pool(self, x: Tensor, temperature: float = 1.0) -> Tensor:
        """``(n, M, 2)``: each motif's best score (max) and its soft maximum
        (``temperature * logsumexp(score / temperature)``, a smooth upper bound)."""
        out = []
        for s in self.scan(x):
            soft = temperature * torch.logsumexp(s / temperature, dim=1)
            out.append(torch.stack([s.max(1).values, soft], dim=1))
        return torch.stack(out, dim=1)

    def best(self, x: Tensor) -> Tensor:
        """``(n, M)``: each motif's best score in each sequence."""
        return torch.stack([s.max(1).values for s in self.scan(x)], dim=1)

    def scan_codes(
        self, codes: Tensor, dtype: torch.dtype = torch.float64, chunk: int = 2048
    ) -> list[Tensor]:
        """Per motif, the scores ``(n, L - width + 1)`` of every window of integer-coded
        sequences ``(n, L)`` (not differentiable: the fast path for scoring and metrics)."""
        codes = torch.as_tensor(codes, dtype=torch.long, device=self.weight0.device)
        n, length = codes.shape
        k = KMER
        out = []
        for i, w in enumerate(self.weights):
            width = w.shape[0]
            if width > length:
                raise DataError(f"motif {self.names[i]!r} (width {width}) is longer than {length}")
            table = getattr(self, f"kmers{i}").to(dtype)  # (A**k, groups)
            groups, n_pos = table.shape[1], length - width + 1
            # zero-weight taps past the motif's end read a few padded columns
            padded = F.pad(codes, (0, groups * k - width))
            n_kmers = padded.shape[1] - k + 1
            kmer_codes = padded[:, :n_kmers]
            for j in range(1, k):
                kmer_codes = kmer_codes * w.shape[1] + padded[:, j : j + n_kmers]
            scores = []
            for c in range(0, n, chunk):
                taps = F.embedding(kmer_codes[c : c + chunk], table)  # (m, n_kmers, groups)
                m = taps.shape[0]
                # window p's tap group g sits at row p + k g, column g
                diag = taps.as_strided(
                    (m, n_pos, groups), (n_kmers * groups, groups, k * groups + 1)
                )
                scores.append(diag.sum(-1))
            out.append(torch.cat(scores) if scores else torch.zeros(0, n_pos, dtype=dtype))
        return out

    def best_codes(self, codes: Tensor) -> Tensor:
        """``(n, M)``: each motif's best score in each integer-coded sequence, float64.

        Scans in float32 (several times faster), then rescores in float64 every window
        within float32's rounding bound of its sequence's best, so the result is the exact
        float64 maximum."""
        codes = torch.as_tensor(codes, dtype=torch.long, device=self.weight0.device)
        out = []
        for w, s in zip(self.weights, self.scan_codes(codes, torch.float32), strict=True):
            # |float32 - exact| <= (terms + 1) * 2**-24 * sum of the terms' magnitudes
            bound = (w.shape[0] + 1) * 2.0**-24 * float(w.abs().max(1).values.sum())
            near = s >= s.max(1, keepdim=True).values - 2 * bound - 1e-30
            rows, starts = near.nonzero(as_tuple=True)
            taps = torch.arange(w.shape[0], device=codes.device)
            window = codes[rows[:, None], starts[:, None] + taps]  # (candidates, width)
            exact = w[taps, window].sum(1)
            best = torch.full((len(codes),), -torch.inf, dtype=w.dtype, device=codes.device)
            out.append(best.scatter_reduce(0, rows, exact, "amax"))
        return torch.stack(out, dim=1)


def _kmer_table(weight: Tensor, k: int = 3) -> Tensor:
    """``(A**k, ceil(width / k))``: column g, row ``a1 A^(k-1) + ... + ak`` holds
    ``W[k g, a1] + ... + W[k g + k - 1, ak]`` (taps past the motif's end weigh zero)."""
    width, n_sym = weight.shape
    groups = -(-width // k)
    taps = F.pad(weight, (0, 0, 0, groups * k - width)).view(groups, k, n_sym)
    table = taps[:, 0]
    for j in range(1, k):
        table = (table[:, :, None] + taps[:, j, None, :]).reshape(groups, -1)
    return table.T.contiguous()


def scan_reference(codes: np.ndarray, pwm: PWM) -> np.ndarray:
    """Plain loops (the specification the scanner is checked against): scores (n, P)."""
    full = pwm.full()
    n, L = codes.shape
    out = np.zeros((n, L - pwm.width + 1))
    for i in range(n):
        for p in range(L - pwm.width + 1):
            out[i, p] = sum(full[k, codes[i, p + k]] for k in range(pwm.width))
    return out


def scan_numpy(codes: np.ndarray, pwm: PWM) -> np.ndarray:
    """Vectorised NumPy sliding windows (the benchmark's peer): scores (n, P)."""
    windows = np.lib.stride_tricks.sliding_window_view(codes, pwm.width, axis=1)
    return pwm.full()[np.arange(pwm.width), windows].sum(-1)
