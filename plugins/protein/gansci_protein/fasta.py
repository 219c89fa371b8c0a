"""FASTA in and out through Bio.SeqIO, with every malformation reported by file, record
and position instead of a deep traceback."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord

from gansci.plugin import ConfigError, DataError
from gansci_protein.alphabet import AMBIGUOUS, AMINO_ACIDS, CANONICAL, GAP, PAD

log = logging.getLogger(__name__)


def _check_text(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"{path}: no such FASTA file")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise DataError(f"{path}: is a binary file, not FASTA text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: is not UTF-8 text (byte {exc.start}); is it a binary file?"
        ) from None
    first = next((line for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise DataError(f"{path}: is empty; a FASTA file needs at least one '>' record")
    if not first.startswith(">"):
        raise DataError(
            f"{path}: does not start with a '>' header line (first line: {first[:40]!r}); "
            "is it FASTA?"
        )


def clean_sequence(seq: str, aligned: bool, where: str) -> tuple[str | None, str | None]:
    """Apply the alphabet policy; returns (clean sequence, None) or (None, reason) when the
    sequence holds an ambiguous letter; raises DataError on anything else outside it."""
    s = seq.upper()
    if s.endswith("*"):
        s = s[:-1]
    s = "".join(CANONICAL.get(c, c) for c in s)
    allowed = AMINO_ACIDS + (GAP if aligned else "")
    for pos, c in enumerate(s, start=1):
        if c in allowed:
            continue
        if aligned and c == ".":
            continue
        if c in AMBIGUOUS:
            return None, f"{where}: ambiguous residue {c!r} at position {pos}"
        hint = " (a gap: set data.aligned=true for aligned families)" if c in "-." else ""
        raise DataError(
            f"{where}: character {c!r} at position {pos} is not an amino acid{hint}; "
            f"allowed: {allowed}"
        )
    if aligned:
        s = s.replace(".", GAP)
    return s, None


def read_fasta(
    path: str | Path, aligned: bool = False, drop_ambiguous: bool = False
) -> list[tuple[str, str]]:
    """(id, sequence) pairs of a protein FASTA file, cleaned by the alphabet policy.

    Records holding B, Z or X are an error unless ``drop_ambiguous`` (then they are dropped
    and counted in the log). Empty records, duplicate IDs and unequal lengths in an
    aligned file are errors."""
    path = Path(path)
    _check_text(path)
    records: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    dropped = 0
    try:
        parsed = list(SeqIO.parse(str(path), "fasta"))
    except ValueError as exc:
        raise DataError(f"{path}: not valid FASTA: {str(exc).splitlines()[0]}") from None
    for i, rec in enumerate(parsed, start=1):
        where = f"{path}: record {i} ({rec.id!r})"
        if not rec.id:
            raise DataError(f"{path}: record {i} has an empty '>' header; every record needs an ID")
        if rec.id in seen:
            raise DataError(f"{where}: duplicate ID, first used by record {seen[rec.id]}")
        seen[rec.id] = i
        if len(rec.seq) == 0:
            raise DataError(f"{where}: empty record (a header with no sequence)")
        _check_not_nucleotides(str(rec.seq), where)
        seq, reason = clean_sequence(str(rec.seq), aligned, where)
        if seq is None:
            if not drop_ambiguous:
                raise DataError(f"{reason}; drop such records with data.drop_ambiguous=true")
            dropped += 1
            continue
        records.append((rec.id, seq))
    if dropped:
        log.warning("%s: dropped %d record(s) with ambiguous residues (B, Z, X)", path, dropped)
    if not records:
        raise DataError(f"{path}: holds no usable sequence")
    if aligned:
        width = len(records[0][1])
        for rid, s in records:
            if len(s) != width:
                raise DataError(
                    f"{path}: record {rid!r} has length {len(s)}, the first has {width}; "
                    "an aligned family needs every row the same length (or data.aligned=false)"
                )
    return records


#: A record of at least 10 letters, this share of them A, C, G, T, U or N, is DNA or RNA.
NUCLEOTIDE_SHARE = 0.9
#: Without data.length, a sequence this many times the median length is an error.
LENGTH_OUTLIER = 3


def _check_not_nucleotides(seq: str, where: str) -> None:
    """DNA or RNA read as protein would pass the alphabet (A, C, G, T are amino acids)."""
    letters = [c for c in seq.upper() if c.isalpha()]
    share = sum(c in "ACGTUN" for c in letters) / max(len(letters), 1)
    if len(letters) >= 10 and share >= NUCLEOTIDE_SHARE:
        raise DataError(
            f"{where}: {share:.0%} of its letters are A, C, G, T, U or N; it looks like DNA "
            "or RNA, not protein (translate it first)"
        )


def check_lengths(
    records: list[tuple[str, str]], path: str | Path, length: int, truncate: bool
) -> None:
    """A sequence longer than ``length`` is an error naming it, unless ``truncate`` (then
    it is cropped); without ``length``, so that every sequence is padded to the longest,
    one over LENGTH_OUTLIER times the median length is an error."""
    if truncate and not length:
        raise ConfigError("data.truncate=true needs data.length=N, the length to crop to")
    lengths = [len(s) for _, s in records]
    median = sorted(lengths)[len(lengths) // 2]
    for rid, seq in records:
        n = len(seq)
        if length and n > length and not truncate:
            raise DataError(
                f"{path}: record {rid!r} has {n} residues, more than data.length={length}; "
                "crop with data.truncate=true, or give a larger data.length"
            )
        if not length and n > LENGTH_OUTLIER * median:
            raise DataError(
                f"{path}: record {rid!r} has {n} residues, {n / median:.1f} times the median "
                f"{median}, and every sequence would be padded to it; remove it, or set "
                "data.length=N with data.truncate=true to crop"
            )


def write_fasta(
    seqs: Sequence[str], path: str | Path, ids: Sequence[str] | None = None, ungap: bool = False
) -> None:
    """Write sequences as FASTA records (IDs ``generated_1`` ... unless given) via Bio.SeqIO;
    ``ungap`` removes gap and pad characters (``-``, ``.``): aligned match columns become
    plain sequences."""
    ids = ids if ids is not None else [f"generated_{i}" for i in range(1, len(seqs) + 1)]
    if ungap:
        seqs = [s.replace(GAP, "").replace(PAD, "") for s in seqs]
    records = [SeqRecord(Seq(s), id=i, description="") for i, s in zip(ids, seqs, strict=True)]
    with open(path, "w") as f:
        SeqIO.write(records, f, "fasta")


def read_sequences(path: str) -> list[str]:
    """A sample file's sequences (the ``.fasta`` format's reader): gaps are allowed and
    empty records kept, since a generator may emit them."""
    path_ = Path(path)
    _check_text(path_)
    out = []
    for i, rec in enumerate(SeqIO.parse(str(path_), "fasta"), start=1):
        seq, reason = clean_sequence(str(rec.seq), True, f"{path}: record {i} ({rec.id!r})")
        if seq is None:
            raise DataError(reason)
        out.append(seq)
    return out
