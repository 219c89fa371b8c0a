"""Seeds as an axis: a multi-seed folder, validated as mean ± std with per-seed values."""

import json

import numpy as np

from gansci.cli import main
from gansci.seeds import seed_folders


def test_run_three_seeds_and_validate_mean_and_std(tmp_path, capsys, small_set):
    out = tmp_path / "multi"
    argv = ["run", "ring8", "--seeds", "3", "--seed", "4", "--out", str(out), *small_set]
    assert main(argv) == 0
    assert list(seed_folders(out)) == [4, 5, 6]
    printed = capsys.readouterr().out
    assert "| metric | mean ± std | seed 4 | seed 5 | seed 6 | real vs real |" in printed
    summary = {
        (r["metric"], r["key"]): r for r in json.loads((out / "validation.json").read_text())
    }
    swd = summary["swd", "swd"]
    values = list(swd["per_seed"].values())
    assert len(set(values)) == 3  # different seeds, different models
    assert swd["mean"] == np.mean(values)
    assert swd["std"] == np.std(values, ddof=1)
    assert (out / "seed-5" / "report.md").is_file() and (out / "report.md").is_file()
    assert main(["validate", str(out)]) == 0
    assert "mean ± std" in capsys.readouterr().out


def test_seed_is_not_an_override(capsys):
    assert main(["run", "ring8", "--set", "seed=3"]) == 1
    assert "give seed as --seed/--device, not --set" in capsys.readouterr().err
