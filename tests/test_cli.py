"""The gansci command: every subcommand, and every user error as one message, no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gansci import registry
from gansci.cli import main
from gansci.errors import ConfigError
from gansci.plugin import CommandSpec, FormatSpec, hookimpl
from gansci.registry import Registry


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, small_set):
    out = tmp_path_factory.mktemp("cli") / "run"
    # constant: a finished linear schedule has decayed to zero and cannot be extended
    constant = ["--set", "train.lr_schedule=constant"]
    argv = ["run", "grid25", "--out", str(out), "--seed", "1", "--device", "cpu"]
    assert main([*argv, *small_set, *constant]) == 0
    return out


def test_run_writes_a_complete_run_folder(run_dir, capsys):
    for name in ["config.toml", "metrics.jsonl", "report.md", "validation.json"]:
        assert (run_dir / name).is_file(), name
    assert list((run_dir / "checkpoints").glob("step-*.pt"))
    assert list((run_dir / "samples").glob("step-*.npy"))
    report = (run_dir / "report.md").read_text()
    assert "| modes |" in report and "figures/scatter.png" in report
    assert (run_dir / "figures" / "training.png").is_file()


def test_sample_is_reproducible_and_follows_the_suffix(run_dir, tmp_path, capsys):
    a, b, c = tmp_path / "a.npy", tmp_path / "b.npy", tmp_path / "c.csv"
    assert main(["sample", str(run_dir), "-n", "100", "-o", str(a), "--seed", "3"]) == 0
    assert main(["sample", str(run_dir), "-n", "100", "-o", str(b), "--seed", "3"]) == 0
    assert main(["sample", str(run_dir), "-n", "100", "-o", str(c), "--seed", "3"]) == 0
    x = np.load(a)
    assert x.shape == (100, 2)
    assert np.array_equal(x, np.load(b))
    assert np.allclose(x, np.loadtxt(c, delimiter=","), atol=1e-6)
    assert "wrote 100 samples" in capsys.readouterr().out


def test_validate_prints_table_and_accepts_a_samples_file(run_dir, tmp_path, capsys):
    assert main(["validate", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "| metric | generated | real vs real |" in out and "| modes |" in out
    # validating real held-out data as "samples" must look like the baseline
    from gansci import Experiment

    exp = Experiment.load(run_dir)
    real = tmp_path / "real.npy"
    np.save(real, exp.data.train[-2500:].numpy())
    report = (run_dir / "report.md").read_bytes()
    assert main(["validate", str(run_dir), "--samples", str(real)]) == 0
    rows = {
        (r["metric"], r["key"]): r
        for r in json.loads((tmp_path / "real.validation.json").read_text())
    }
    assert rows["modes", "modes"]["value"] == 25
    assert rows["modes", "high_quality"]["value"] > 0.98
    # the samples' report lies beside them; the run's own is left as it was
    assert "2500 given samples" in (tmp_path / "real.report.md").read_text()
    assert (tmp_path / "real.figures" / "scatter.png").is_file()
    assert (run_dir / "report.md").read_bytes() == report


def test_resume_continues_to_more_steps(run_dir, capsys):
    assert main(["resume", str(run_dir), "--set", "train.steps=40", "--no-validate"]) == 0
    steps = [json.loads(x)["step"] for x in (run_dir / "metrics.jsonl").open()]
    assert steps[-1] == 40
    assert "steps = 40" in (run_dir / "config.toml").read_text()


def test_listings(capsys):
    for cmd, expected in [
        ("recipes", "grid25"),
        ("datasets", "ring8"),
        ("metrics", "mmd"),
        ("plugins", "builtin"),
    ]:
        assert main([cmd]) == 0
        assert expected in capsys.readouterr().out
    main(["plugins"])
    out = capsys.readouterr().out
    assert "recipes: ring8, grid25" in out and "losses: ns" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "grid52"], "unknown recipe 'grid52'. Did you mean 'grid25'?"),
        (["run", "grid25", "--set", "train.stepz=3"], "unknown key 'train.stepz'"),
        (["run", "grid25", "--set", "train.steps=x"], "train.steps must be int"),
        (["run", "grid25", "--set", "networks.G.depht=3"], "networks.G: unknown key 'depht'"),
        (["run", "grid25", "--set", "data.name=vectors"], "dataset 'vectors' reads a file"),
        (
            ["run", "grid25", "--set", "data.path=/x.npy"],
            "dataset 'grid25' reads no file; choose one that does with --set data.name=NAME",
        ),
        (
            ["run", "grid25", "--set", "data.name=vectors", "--set", "data.path=/nonexistent.npy"],
            "/nonexistent.npy: no such data file",
        ),
        (["sample", "/nonexistent-run", "-n", "3", "-o", "x.npy"], "not a gansci run folder"),
        (["validate", "/nonexistent-run"], "not a gansci run folder"),
        (["resume", "/nonexistent-run"], "not a gansci run folder"),
    ],
)
def test_user_errors_are_one_message_and_nonzero_exit(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("gansci: error: ") and message in err
    assert "Traceback" not in err


def test_bad_data_files_are_named(tmp_path, capsys):
    cases = {
        "nan.npy": (
            np.array([[1.0, np.nan], [2.0, 3.0], [1.0, 1.0], [0.0, 1.0]]),
            "NaN or infinite",
        ),
        "one.npy": (np.array([[1.0, 2.0]]), "has 1 sample(s)"),
        "flat.npy": (np.ones((10, 2)), "constant"),
        "cube.npy": (np.zeros((4, 2, 2)), "expected a 2-D array"),
    }
    for name, (array, message) in cases.items():
        np.save(tmp_path / name, array)
        path = tmp_path / name
        argv = ["run", "grid25", "--set", "data.name=vectors", "--set", f"data.path={path}"]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert f"{path}: " in err and message in err, err
    (tmp_path / "text.npy").write_text("not numpy")
    assert (
        main(
            [
                "run",
                "grid25",
                "--set",
                "data.name=vectors",
                "--set",
                f"data.path={tmp_path / 'text.npy'}",
            ]
        )
        == 1
    )
    assert "cannot read as a numeric array" in capsys.readouterr().err


def test_corrupt_checkpoint_via_cli(tmp_path, capsys, small_set):
    out = tmp_path / "r"
    assert main(["run", "ring8", "--out", str(out), "--no-validate", *small_set]) == 0
    (ckpt,) = (out / "checkpoints").glob("*.pt")
    ckpt.write_bytes(b"garbage")
    assert main(["sample", str(out), "-n", "3", "-o", str(tmp_path / "s.npy")]) == 1
    assert "corrupt or unreadable checkpoint" in capsys.readouterr().err


def test_user_data_file_trains_end_to_end(tmp_path, capsys, small_set):
    data = tmp_path / "mine.csv"
    rng = np.random.default_rng(0)
    np.savetxt(
        data, rng.standard_normal((500, 3)) @ [[1, 0.5, 0], [0, 1, 0], [0, 0, 2]], delimiter=","
    )
    out = tmp_path / "r"
    argv = [
        "run",
        "grid25",
        "--out",
        str(out),
        "--set",
        "data.name=vectors",
        "--set",
        f"data.path={data}",
        *small_set,
    ]
    assert main(argv) == 0
    assert "| mmd.mmd2 |" in capsys.readouterr().out
    assert main(["sample", str(out), "-n", "7", "-o", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (7, 3)


def test_console_script_reports_errors_without_traceback():
    exe = Path(sys.executable).parent / "gansci"
    proc = subprocess.run([exe, "run", "nope"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "gansci: error: unknown recipe 'nope'" in proc.stderr.splitlines()[-1]
    assert "Traceback" not in proc.stderr


class CommandPlugin:
    @hookimpl
    def gansci_commands(self):
        def add_arguments(parser):
            parser.add_argument("--name", required=True)

        def run(args):
            if args.name == "bad":
                raise ConfigError("greet: --name bad is not a name")
            print(f"hello {args.name}")

        return [
            CommandSpec("greet", "say hello", add_arguments, run),
            CommandSpec("run", "a clash with the core's run", add_arguments, run),
        ]


def test_plugins_add_subcommands_and_cannot_replace_the_cores(monkeypatch, capsys):
    monkeypatch.setattr(registry, "_registry", Registry(plugins={"cmd": CommandPlugin()}))
    assert main(["greet", "--name", "ada"]) == 0
    assert capsys.readouterr().out == "hello ada\n"
    assert main(["greet", "--name", "bad"]) == 1
    assert capsys.readouterr().err == "gansci: error: greet: --name bad is not a name\n"
    assert main(["run", "grid52"]) == 1  # still the core's run
    assert "unknown recipe 'grid52'" in capsys.readouterr().err


class FlagFormatPlugin:
    @hookimpl
    def gansci_formats(self):
        def write(samples, path, whole=False):
            np.savetxt(path, np.round(samples) if whole else samples)

        flags = {"whole": "round to whole numbers"}
        return [FormatSpec(".txt", "text rows", ("vector",), write, np.loadtxt, flags)]


def test_sample_passes_a_formats_flags_to_its_writer_and_refuses_others(
    run_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(registry, "_registry", Registry(plugins={"fmt": FlagFormatPlugin()}))
    plain, whole = tmp_path / "a.txt", tmp_path / "b.txt"
    assert main(["sample", str(run_dir), "-n", "50", "-o", str(plain), "--seed", "3"]) == 0
    assert (
        main(["sample", str(run_dir), "-n", "50", "-o", str(whole), "--seed", "3", "--whole"]) == 0
    )
    x, y = np.loadtxt(plain), np.loadtxt(whole)
    assert not np.array_equal(x, np.round(x)) and np.array_equal(y, np.round(x))
    capsys.readouterr()
    npy = tmp_path / "c.npy"
    assert main(["sample", str(run_dir), "-n", "5", "-o", str(npy), "--whole"]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == "gansci: error: --whole: not an option of the .npy (vector) format (its options: none)\n"
    )
    assert not npy.exists()


def test_without_a_terminal_progress_is_plain_lines_and_curves_have_points(tmp_path, small_set):
    out = tmp_path / "run"
    argv = ["run", "grid25", "--out", str(out), "--no-validate", *small_set]
    argv += ["--set", "train.log_every=0", "--set", "train.progress=true"]
    proc = subprocess.run(
        [sys.executable, "-m", "gansci.cli", *argv], capture_output=True, text=True, check=True
    )
    assert "step 30/30: loss_d" in proc.stderr
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert sum(r["kind"] == "train" for r in records) == 30  # log_every 0: steps // 100, >= 1
