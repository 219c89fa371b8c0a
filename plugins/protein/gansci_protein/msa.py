"""Family alignments as biologists have them (aligned FASTA, A2M/A3M, Stockholm): insert
states dropped, an optional focus sequence, the DCA tools' gap filters, ambiguous letters
mapped or dropped.

Insert states: lower-case letters and ``.`` (A2M/A3M, and Pfam's Stockholm and FASTA
exports) are dropped from every row, so that each row keeps exactly its match columns
(upper case and ``-``); rows that then differ in length are an error. With a ``focus``
sequence only the columns where it holds an upper-case residue are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from Bio import AlignIO, SeqIO

from gansci.plugin import DataError
from gansci_protein.alphabet import AMBIGUOUS, AMINO_ACIDS, CANONICAL, GAP
from gansci_protein.fasta import _check_text

log = logging.getLogger(__name__)

STOCKHOLM = (".sto", ".stk", ".sth", ".stockholm")
FORMATS = ("auto", "fasta", "a2m", "stockholm")
AMBIGUOUS_POLICIES = ("gap", "drop", "error")
_LETTERS = set(AMINO_ACIDS + AMBIGUOUS + "".join(CANONICAL))


@dataclass
class MSA:
    """Match-column rows (upper case, ``-`` gaps) and what reading did to the file."""

    ids: list[str]
    seqs: list[str]
    notes: list[str] = field(default_factory=list)


def _raw(path: Path, fmt: str) -> list[tuple[str, str]]:
    if fmt == "auto":
        fmt = "stockholm" if path.suffix.lower() in STOCKHOLM else "fasta"
    if fmt != "stockholm":  # A2M/A3M are FASTA files; inserts are dropped for every format
        _check_text(path)
        return [(r.id, str(r.seq)) for r in SeqIO.parse(str(path), "fasta")]
    if not path.is_file():
        raise DataError(f"{path}: no such Stockholm file")
    try:
        alignment = AlignIO.read(str(path), "stockholm")
    except ValueError as exc:
        first = (str(exc).splitlines() or ["unreadable"])[0]
        if "No records" in first:
            first = "holds no sequences (no 'NAME SEQUENCE' lines before '//')"
        raise DataError(f"{path}: Stockholm: {first}") from None
    rows = [(r.id, str(r.seq)) for r in alignment]
    # Biopython turns '.' into '-': an insert column is one the RF line marks '.' (or,
    # without an RF line, one holding a lower-case residue); written back in A2M form
    rf = alignment.column_annotations.get("reference_annotation")
    if rf:
        insert = [c in ".-" for c in rf]
    else:
        insert = [
            any(s[j].islower() for _, s in rows) for j in range(alignment.get_alignment_length())
        ]
    return [
        (
            rid,
            "".join(
                "." if x and c == "-" else c.lower() if x else c
                for c, x in zip(s, insert, strict=True)
            ),
        )
        for rid, s in rows
    ]


def _check_letters(path: Path, i: int, rid: str, seq: str) -> str:
    s = seq[:-1] if seq.endswith("*") else seq
    for pos, c in enumerate(s, start=1):
        if c not in "-." and c.upper() not in _LETTERS:
            raise DataError(
                f"{path}: record {i} ({rid!r}): character {c!r} at position {pos} is not an "
                "amino acid, a gap ('-') or an insert ('.', lower case)"
            )
    return s


def _match(s: str) -> str:
    return "".join(c for c in s if c.isupper() or c == GAP)


def read_msa(
    path: str | Path,
    format: str = "auto",
    focus: str = "",
    ambiguous: str = "gap",
    max_seq_gaps: float = 1.0,
    max_col_gaps: float = 1.0,
) -> MSA:
    """A family alignment's match columns, filtered: rows with more than ``max_seq_gaps``
    gaps are dropped, then columns with more than ``max_col_gaps`` gaps (EVcouplings'
    defaults are 0.5 and 0.3). ``ambiguous`` (B, Z, J, X): ``gap`` maps the letter to a gap
    (as plmc does), ``drop`` drops its record, ``error`` stops. Every problem is a one-line
    DataError naming the file and the record."""
    path = Path(path)
    if format not in FORMATS:
        raise DataError(f"data.format: unknown format {format!r}; valid: {', '.join(FORMATS)}")
    if ambiguous not in AMBIGUOUS_POLICIES:
        raise DataError(
            f"data.ambiguous: unknown policy {ambiguous!r}; valid: {', '.join(AMBIGUOUS_POLICIES)}"
        )
    raw = [
        (rid, _check_letters(path, i, rid, s)) for i, (rid, s) in enumerate(_raw(path, format), 1)
    ]
    if not raw:
        raise DataError(f"{path}: holds no sequences")
    ids = [rid for rid, _ in raw]
    notes = []
    if focus:
        if focus not in ids:
            raise DataError(
                f"{path}: focus sequence {focus!r} (data.focus) is not in the file; its first "
                f"records are {', '.join(ids[:3])}"
            )
        k = ids.index(focus)
        if len({len(s) for _, s in raw}) == 1:  # A2M-like: '.' keeps the rows aligned
            keep = [j for j, c in enumerate(raw[k][1]) if c.isupper()]
            rows = ["".join(s[j] for j in keep).upper().replace(".", GAP) for _, s in raw]
        else:  # A3M: inserts are left out of the rows
            rows = [_match(s) for _, s in raw]
            _check_lengths(path, ids, rows)
            keep = [j for j, c in enumerate(rows[k]) if c != GAP]
            rows = ["".join(s[j] for j in keep) for s in rows]
        notes.append(f"focus {focus}: {len(keep)} columns upper case in it")
    else:
        rows = [_match(s) for _, s in raw]
    _check_lengths(path, ids, rows)
    n_insert = sum(len(s) for _, s in raw) - sum(len(s) for s in rows)
    if n_insert:
        notes.append(f"{n_insert} insert-state letters (lower case, '.') dropped")
    rows = ["".join(CANONICAL.get(c, c) for c in s) for s in rows]
    ids, rows = _ambiguous(path, ids, rows, ambiguous, notes)
    return _filter(path, MSA(ids, rows, notes), max_seq_gaps, max_col_gaps)


def _check_lengths(path: Path, ids: list[str], rows: list[str]) -> None:
    for i, (rid, s) in enumerate(zip(ids, rows, strict=True), start=1):
        if len(s) != len(rows[0]):
            raise DataError(
                f"{path}: record {i} ({rid!r}) has {len(s)} match columns, record 1 "
                f"({ids[0]!r}) has {len(rows[0])} (upper case and '-' are match columns; "
                "lower case and '.' inserts)"
            )


def _ambiguous(
    path: Path, ids: list[str], rows: list[str], policy: str, notes: list[str]
) -> tuple[list[str], list[str]]:
    hit = [i for i, s in enumerate(rows) if any(c in AMBIGUOUS for c in s)]
    if not hit:
        return ids, rows
    if policy == "error":
        i = hit[0]
        pos = next(p for p, c in enumerate(rows[i], 1) if c in AMBIGUOUS)
        raise DataError(
            f"{path}: record {i + 1} ({ids[i]!r}): ambiguous residue {rows[i][pos - 1]!r} at "
            f"match column {pos}; set data.ambiguous=gap or data.ambiguous=drop"
        )
    if policy == "drop":
        notes.append(f"{len(hit)} records with ambiguous residues (B, Z, J, X) dropped")
        drop = set(hit)
        keep = [i for i in range(len(rows)) if i not in drop]
        return [ids[i] for i in keep], [rows[i] for i in keep]
    n = sum(sum(c in AMBIGUOUS for c in rows[i]) for i in hit)
    notes.append(f"{n} ambiguous residues (B, Z, J, X) in {len(hit)} records mapped to gaps")
    table = str.maketrans(dict.fromkeys(AMBIGUOUS, GAP))
    return ids, [s.translate(table) for s in rows]


def _filter(path: Path, msa: MSA, max_seq_gaps: float, max_col_gaps: float) -> MSA:
    length = len(msa.seqs[0])
    if length == 0:
        raise DataError(f"{path}: has no match columns (every letter is lower case or '.')")
    keep = [i for i, s in enumerate(msa.seqs) if s.count(GAP) <= max_seq_gaps * length]
    if not keep:
        raise DataError(
            f"{path}: every record has more than {max_seq_gaps:g} gaps (data.max_seq_gaps)"
        )
    if len(keep) < len(msa.seqs):
        msa.notes.append(
            f"{len(msa.seqs) - len(keep)} records with more than {max_seq_gaps:g} gaps dropped"
        )
    ids, seqs = [msa.ids[i] for i in keep], [msa.seqs[i] for i in keep]
    gaps = [sum(s[j] == GAP for s in seqs) / len(seqs) for j in range(length)]
    cols = [j for j, g in enumerate(gaps) if g <= max_col_gaps]
    if not cols:
        raise DataError(
            f"{path}: every one of its {length} columns has more than {max_col_gaps:g} gaps "
            f"(data.max_col_gaps; the least gapped has {min(gaps):.2f})"
        )
    if len(cols) < length:
        msa.notes.append(
            f"{length - len(cols)} of {length} columns with more than {max_col_gaps:g} gaps dropped"
        )
        seqs = ["".join(s[j] for j in cols) for s in seqs]
    for note in msa.notes:
        log.info("%s: %s", path, note)
    return MSA(ids, seqs, msa.notes)
