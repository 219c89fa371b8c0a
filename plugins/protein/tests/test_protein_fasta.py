"""FASTA reading: the alphabet policy and every malformation named by file, record, position."""

from __future__ import annotations

import pytest
from gansci_protein.fasta import read_fasta, read_sequences, write_fasta

from gansci.plugin import DataError


def _write(tmp_path, text: str | bytes, name: str = "x.fasta"):
    path = tmp_path / name
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


def test_reads_records_and_applies_the_policy(tmp_path):
    path = _write(tmp_path, ">a desc\nacdefU\nOK*\n>b\nMKV\n")
    assert read_fasta(path) == [("a", "ACDEFCKK"), ("b", "MKV")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("ACDE\n>a\nAC\n", "does not start with a '>' header"),
        (">a\n\n>b\nAC\n", "record 1 ('a'): empty record"),
        (">a\nACDE\n>b\nAC1E\n", "record 2 ('b'): character '1' at position 3"),
        ("", "is empty"),
        ("\n\n", "is empty"),
        (">a\nAC\n>a\nCD\n", "record 2 ('a'): duplicate ID, first used by record 1"),
        (">a\nACD-E\n", "record 1 ('a'): character '-' at position 4"),
        (">a\nACXE\n", "record 1 ('a'): ambiguous residue 'X' at position 3"),
        (">a\nMKV\n>b\nacgtnacgtuacgt\n", "record 2 ('b'): 100% of its letters are A, C, G"),
        (">a\nATGGCGTTACGTAACGKTCATTAG\n", "record 1 ('a'): 96% of its letters are A, C, G, T"),
    ],
)
def test_malformed_files_name_file_record_and_position(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as err:
        read_fasta(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_binary_file_is_refused(tmp_path):
    path = _write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(DataError, match="binary file"):
        read_fasta(path)
    path = _write(tmp_path, b">a\nAC\xff\xfe\n", "latin.fasta")
    with pytest.raises(DataError, match="not UTF-8"):
        read_fasta(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="no such FASTA file"):
        read_fasta(tmp_path / "nope.fasta")


def test_ambiguous_records_dropped_only_when_asked(tmp_path):
    path = _write(tmp_path, ">a\nACBE\n>b\nMKV\n>c\nZZ\n")
    with pytest.raises(DataError, match="drop_ambiguous"):
        read_fasta(path)
    assert read_fasta(path, drop_ambiguous=True) == [("b", "MKV")]


def test_aligned_keeps_gaps_and_needs_equal_lengths(tmp_path):
    path = _write(tmp_path, ">a\nAC-DE\n>b\nA.CDE\n")
    assert read_fasta(path, aligned=True) == [("a", "AC-DE"), ("b", "A-CDE")]
    path = _write(tmp_path, ">a\nAC-DE\n>b\nACDE\n", "bad.fasta")
    with pytest.raises(DataError, match="record 'b' has length 4, the first has 5"):
        read_fasta(path, aligned=True)


def test_write_then_read_round_trips(tmp_path):
    seqs = ["ACDEFGHIKLMNPQRSTVWY" * 4, "MKV", "", "AC-D"]
    write_fasta(seqs, tmp_path / "g.fasta")
    assert read_sequences(str(tmp_path / "g.fasta")) == seqs


def test_proteins_rich_in_a_c_g_t_are_still_protein(tmp_path):
    silk = "GAGAGS" * 10  # silk fibroin's repeat: 83% A and G
    assert read_fasta(_write(tmp_path, f">silk\n{silk}\n>p\nACGT\n")) == [
        ("silk", silk),
        ("p", "ACGT"),  # under 10 letters: too short to call
    ]
