"""`gansci check` and `gansci.check`: any samples judged by a dataset's metrics, by the
same code a run's validation uses."""

import json

import numpy as np
import pytest

import gansci
from gansci import Experiment
from gansci.builtin.mixtures import grid25
from gansci.cli import main
from gansci.errors import GansciError

METRICS = ["modes", "mmd"]


def fresh_grid25(n: int, seed: int) -> np.ndarray:
    """Real grid25 points drawn with another seed than the dataset's (known good)."""
    return grid25(n=6 * n, seed=seed).test.numpy()[:n].astype(np.float64)


def test_validate_and_check_agree_to_the_last_digit(tmp_path):
    exp = Experiment.from_recipe(
        "grid25",
        out=tmp_path / "run",
        train={"steps": 30, "eval_every": 0, "eval_metrics": [], "checkpoint_every": 30},
        validate={"n_samples": 600, "metrics": METRICS, "seed": 3},
    ).run(validate=False)
    in_run = exp.validate(write_report=False)
    samples = tmp_path / "samples.npy"
    assert main(["sample", str(exp.run_dir), "-n", "600", "--seed", "3", "-o", str(samples)]) == 0
    report = gansci.check(samples, "grid25", metrics=METRICS, seed=3)
    assert [(r.metric, r.key, r.value, r.baseline) for r in report.rows] == [
        (r.metric, r.key, r.value, r.baseline) for r in in_run
    ]


def test_known_good_passes_and_known_bad_fails_on_modes():
    good = gansci.check(fresh_grid25(2500, seed=11), "grid25", metrics=["modes"])
    assert good.verdict == "PASS", good.failures
    bad_points = fresh_grid25(2500, seed=11)
    bad_points = bad_points[np.linalg.norm(bad_points - [4.0, 4.0], axis=1) > 1]  # one mode gone
    bad = gansci.check(bad_points, "grid25", metrics=["modes"])
    assert bad.verdict == "FAIL"
    assert {(r.metric, r.key) for r in bad.failures} >= {("modes", "modes")}


def test_same_inputs_and_seed_same_numbers_and_n_caps_every_set():
    x = fresh_grid25(1500, seed=5)
    a = gansci.check(x, "grid25", metrics=["mmd"], seed=2, n=400)
    b = gansci.check(x, "grid25", metrics=["mmd"], seed=2, n=400)
    assert a.rows == b.rows
    assert a.sets[0].generated.shape[0] == a.sets[0].real.shape[0] == 400
    assert "400 generated samples" in a.facts[0]


def test_own_real_file_is_halved_into_real_and_baseline(tmp_path):
    real = tmp_path / "real.npy"
    np.save(real, fresh_grid25(3000, seed=7))
    report = gansci.check(fresh_grid25(1000, seed=8), "grid25", real=real, metrics=["modes"])
    assert report.sets[0].real.shape == report.sets[0].reference.shape == (1000, 2)
    assert not np.isin(report.sets[0].real[:, 0], report.sets[0].reference[:, 0]).any()
    assert report.verdict == "PASS"


def test_cli_writes_report_and_exit_status_says_the_verdict(tmp_path, capsys):
    good, bad = tmp_path / "good.npy", tmp_path / "bad.npy"
    np.save(good, fresh_grid25(2500, seed=11))
    np.save(bad, fresh_grid25(2500, seed=11)[:, ::-1] * 3)  # most points off the grid
    out = tmp_path / "report"
    assert (
        main(["check", "grid25", "--samples", str(good), "--metrics", "modes", "-o", str(out)]) == 0
    )
    assert "verdict: PASS" in capsys.readouterr().out
    rows = json.loads((out / "validation.json").read_text())
    assert {r["key"] for r in rows} >= {"modes", "high_quality", "reverse_kl"}
    assert "## Verdict" in (out / "report.md").read_text()
    assert main(["check", "grid25", "--samples", str(bad), "--metrics", "modes"]) == 3
    assert "FAIL modes.high_quality" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "no-such-data", "--samples", "{good}"], "Known datasets: "),
        (["check", "grid25", "--samples", "{wrong}"], "have shape (100, 3)"),
        (["check", "grid25", "--samples", "{tmp}/missing.npy"], "no such samples file"),
        (["check", "grid25", "--samples", "{good}", "--metrics", "d2"], "metric 'd2' judges"),
        (["check", "grid25", "--samples", "{good}", "-n", "0"], "n must be at least 1"),
        (["check", "grid25", "--samples", "{good}", "--set", "nn=3"], "unknown key 'nn'"),
        (["check", "grid25", "--samples", "{good}", "--direction", "A2B"], "no translations"),
        (["check", "grid25", "--samples", "{good}", "-o", "{good}"], "is not an empty folder"),
    ],
)
def test_bad_input_one_line_error_nothing_written(tmp_path, capsys, argv, message):
    good, wrong = tmp_path / "good.npy", tmp_path / "wrong.npy"
    np.save(good, fresh_grid25(100, seed=1))
    np.save(wrong, np.zeros((100, 3)))
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = [a.format(good=good, wrong=wrong, tmp=tmp_path) for a in argv]
    if "d2" in argv and "d2" not in gansci.get_registry().names("metrics"):
        pytest.skip("the lorenz plugin is not installed")
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_metric_that_returns_garbage_is_named():
    from gansci.validation import _as_dict

    with pytest.raises(GansciError, match="metric 'bad' returned"):
        _as_dict("bad", ("a", 1))


def test_data_without_a_sample_format_is_a_clear_error(tmp_path, monkeypatch):
    from gansci.errors import ConfigError

    exp = Experiment.from_recipe("grid25", out=tmp_path / "run")
    registry = exp.registry
    real = registry.for_domains
    monkeypatch.setattr(
        registry, "for_domains", lambda kind, d: [] if kind == "formats" else real(kind, d)
    )
    with pytest.raises(ConfigError, match="no sample format is registered for .*vector data"):
        exp.sample_path(tmp_path / "samples")
