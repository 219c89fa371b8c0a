"""Family alignments: insert states never reach the model, focus columns, filters,
weights, and bad input as one-line errors naming file and record with nothing written."""

from __future__ import annotations

import numpy as np
import pytest
from gansci_protein.alphabet import SYMBOLS
from gansci_protein.data import family
from gansci_protein.fasta import read_sequences
from gansci_protein.identity import sequence_weights
from gansci_protein.msa import read_msa

from gansci.cli import main
from gansci.plugin import DataError

# Match columns ACDEF; each row puts a 'w' (or 'ww') insert between D and E, other rows '.'.
# No match column holds a W, so any W in the model's data is an insert that leaked.
A2M = """>s1
ACDwEF
>s2
ACD.EF
>s3
GCDwwEF
>s4
AC-.EK
>s5
ACD.EF
>s6
LCDwEM
>s7
AHD.EF
>s8
ACDwwEY
"""


def _write(tmp_path, text: str, name: str = "fam.a2m"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_an_insert_column_never_reaches_the_model(tmp_path):
    path = _write(tmp_path, A2M)
    msa = read_msa(path)
    assert msa.seqs[0] == "ACDEF" and msa.seqs[2] == "GCDEF" and msa.seqs[3] == "AC-EK"
    data = family(str(path), cluster_identity=0, test_fraction=0.25, max_col_gaps=1.0)
    assert data.length == 5
    both = np.concatenate([data.train.numpy(), data.test.numpy()])
    assert both.shape[0] == 8 and both[..., SYMBOLS.index("W")].sum() == 0
    assert any("insert-state letters" in f for f in data.facts[0:1])


def test_focus_keeps_the_columns_upper_case_in_it(tmp_path):
    # aligned FASTA with lower case marking columns outside the focus sequence's
    path = _write(tmp_path, ">f\nAcDE-F\n>g\nAcDEKF\n>h\nMkDEKF\n", "fam.fasta")
    assert read_msa(path, focus="f").seqs == ["ADEF", "ADEF", "MDEF"]
    assert read_msa(path).seqs == ["ADE-F", "ADEKF", "MDEKF"]


def test_stockholm_and_filters(tmp_path):
    sto = "# STOCKHOLM 1.0\na ACD.EF\nb ACDkEF\nc X-D.E-\nd AC-.-F\n//\n"
    path = _write(tmp_path, sto, "fam.sto")
    assert read_msa(path).seqs == ["ACDEF", "ACDEF", "--DE-", "AC--F"]
    assert read_msa(path, ambiguous="drop").ids == ["a", "b", "d"]
    msa = read_msa(path, max_seq_gaps=0.4, max_col_gaps=0.25)
    assert msa.ids == ["a", "b", "d"] and msa.seqs == ["ACF"] * 3
    assert any("2 of 5 columns" in n for n in msa.notes)


def test_weights_count_a_cluster_of_near_copies_once():
    codes = np.array([[0] * 10, [0] * 9 + [1], [2] * 10, [3] * 10])
    w = sequence_weights(codes, 0.8)
    np.testing.assert_allclose(w, [0.5, 0.5, 1, 1])
    assert w.sum() == pytest.approx(3.0)


@pytest.mark.parametrize(
    "name, text, options, message",
    [
        ("a.a2m", ">a\nACDEF\n>b\nACdEF\n", {}, "record 2 ('b') has 4 match columns, record 1"),
        ("e.sto", "# STOCKHOLM 1.0\n#=GF ID x\n//\n", {}, "Stockholm: holds no sequences"),
        ("f.a2m", ">a\nACDEF\n>b\nACEEF\n", {"focus": "zz"}, "focus sequence 'zz'"),
        ("g.a2m", ">a\nA--\n>b\n-C-\n", {"max_col_gaps": 0.4}, "every one of its 3 columns"),
        ("x.a2m", ">a\nACDEF\n>b\nAC1EF\n", {}, "record 2 ('b'): character '1' at position 3"),
        ("y.a2m", ">a\nACDEF\n>b\nACXEF\n", {"ambiguous": "error"}, "record 2 ('b'): ambiguous"),
    ],
)
def test_bad_input_is_one_line_naming_file_and_record(tmp_path, name, text, options, message):
    path = _write(tmp_path, text, name)
    with pytest.raises(DataError) as err:
        read_msa(path, max_seq_gaps=1.0, **options)
    assert message in str(err.value) and str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_alignment_through_the_cli_writes_nothing(tmp_path, capsys):
    path = _write(tmp_path, ">a\nACDEF\n>b\nACdEF\n")
    out = tmp_path / "run"
    args = ["run", "protein-family", "--out", str(out), "--set", f"data.path={path}"]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "record 2 ('b') has 4 match columns" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_sample_ungap_writes_the_aligned_sequences_without_gaps(tmp_path):
    # half the rows have a gap in the third match column, so that samples have gaps
    rows = ["ACDwEF", "AC-.EF", "GCDwwEF", "AC-.EK", "ACD.EF", "LC-wEM", "AHD.EF", "AC-wwEY"]
    path = _write(tmp_path, "".join(f">s{i}\n{r}\n" for i, r in enumerate(rows)))
    run = tmp_path / "run"
    args = ["run", "protein-family", "--out", str(run), "--device", "cpu", "--no-validate"]
    for kv in [f"data.path={path}", "data.cluster_identity=0", "data.max_col_gaps=1.0"]:
        args += ["--set", kv]
    assert main([*args, "--set", "train.steps=2"]) == 0
    aligned, ungapped = tmp_path / "a.fasta", tmp_path / "u.fasta"
    assert main(["sample", str(run), "-n", "200", "-o", str(aligned)]) == 0
    assert main(["sample", str(run), "-n", "200", "-o", str(ungapped), "--ungap"]) == 0
    a, u = read_sequences(str(aligned)), read_sequences(str(ungapped))
    assert any("-" in s for s in a)
    assert not any("-" in s for s in u) and u == [s.replace("-", "") for s in a]
