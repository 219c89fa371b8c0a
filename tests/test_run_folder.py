"""A run folder that cannot be corrupted: the lock, atomic writes, the log, --force."""

import json
import os

import pytest

from gansci import Experiment
from gansci.cli import main
from gansci.engine import checkpoint
from gansci.errors import CheckpointError, ConfigError
from gansci.files import RunLock, atomic_path, atomic_write, holder, read_jsonl


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "report.md"
    atomic_write(path, "old")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("killed mid-write")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
    atomic_write(path, "new")
    assert path.read_text() == "new" and oct(path.stat().st_mode & 0o777) != oct(0o600)


def test_the_lock_names_its_holder_and_goes_with_it(tmp_path):
    assert holder(tmp_path) is None
    with RunLock(tmp_path):
        assert holder(tmp_path) == str(os.getpid())
        with pytest.raises(ConfigError, match=f"in use by process {os.getpid()}"):
            RunLock(tmp_path).acquire()
    assert holder(tmp_path) is None
    RunLock(tmp_path).acquire().release()


def test_a_run_releases_its_lock_even_when_interrupted(tmp_path, small, monkeypatch):
    exp = Experiment.from_recipe("ring8", out=tmp_path / "r", **small)
    monkeypatch.setattr(exp, "_fit", lambda **kw: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        exp.run(validate=False)
    assert holder(tmp_path / "r") is None


def test_a_killed_last_log_line_is_dropped_and_a_broken_earlier_one_is_an_error(tmp_path):
    log = tmp_path / "metrics.jsonl"
    log.write_text('{"step": 10}\n{"step": 20}\n{"step": 3')
    assert [r["step"] for r, _ in read_jsonl(log)] == [10, 20]
    log.write_text('{"step": 10}\n{"st\n{"step": 30}\n')
    with pytest.raises(CheckpointError, match="metrics.jsonl: line 2 is not JSON"):
        read_jsonl(log)


def test_resume_after_a_kill_mid_line_keeps_a_clean_log(tmp_path, small):
    small["train"].update(steps=40, checkpoint_every=20, lr_schedule="constant")
    out = tmp_path / "r"
    Experiment.from_recipe("ring8", out=out, **small).run(validate=False)
    (out / "checkpoints" / "step-0000040.pt").unlink()  # killed after step 20's checkpoint
    with (out / "metrics.jsonl").open("a") as f:
        f.write('{"step": 50, "kind": "tr')
    Experiment.load(out).resume(validate=False)
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").open()]
    assert steps == [10, 20, 30, 40]


def test_force_replaces_a_previous_run_and_leaves_other_files(tmp_path, small_set, capsys):
    out = tmp_path / "r"
    old = [*small_set, "--set", "train.steps=40", "--set", "train.checkpoint_every=40"]
    assert main(["run", "ring8", "--out", str(out), "--no-validate", *old]) == 0
    (out / "notes.txt").write_text("mine")
    assert main(["run", "ring8", "--out", str(out), "--no-validate", *small_set]) == 1
    assert "already holds a run" in capsys.readouterr().err
    argv = ["run", "ring8", "--out", str(out), "--no-validate", "--force", *small_set]
    assert main(argv) == 0
    assert [s for s, _ in checkpoint.list_checkpoints(out / "checkpoints")] == [30]
    assert [json.loads(x)["step"] for x in (out / "metrics.jsonl").open()][-1] == 30
    assert (out / "notes.txt").read_text() == "mine"


def test_sample_force_overwrites_an_existing_file(tmp_path, small_set, capsys):
    out = tmp_path / "r"
    assert main(["run", "ring8", "--out", str(out), "--no-validate", *small_set]) == 0
    target = tmp_path / "s.csv"
    target.write_text("old")
    assert main(["sample", str(out), "-n", "4", "-o", str(target), "--force"]) == 0
    assert len(target.read_text().splitlines()) == 4
