"""Hostile input: each case exits 1 with one `gansci: error:` line naming the field or file,
prints no traceback, and leaves every file of the run folder (and beside it) byte-identical."""

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from gansci.cli import main
from gansci.files import RunLock


@pytest.fixture(scope="module")
def data_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "rows.npy"
    rng = np.random.default_rng(0)
    np.save(path, 1e4 + rng.standard_normal((400, 3)) * [1.0, 10.0, 100.0])
    return path


def train(out: Path, data: Path, small_set: list[str], *extra: str) -> Path:
    vectors = ["--set", "data.name=vectors", "--set", f"data.path={data}"]
    assert main(["run", "grid25", "--out", str(out), *vectors, *small_set, *extra]) == 0
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_file, small_set):
    """A finished 30-step run of the grid25 recipe (linear schedule) on a user's file."""
    return train(tmp_path_factory.mktemp("bad") / "run", data_file, small_set, "--no-validate")


def checksums(*folders: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# Each setup prepares what its case needs under tmp (before the checksums are taken) and
# may return something to release afterwards.


def hold_lock(run, tmp, small_set, data):
    return RunLock(run).acquire()


def user_file_in_folder(run, tmp, small_set, data):
    (tmp / "mine").mkdir()
    (tmp / "mine" / "notes.txt").write_text("mine")


def file_as_out(run, tmp, small_set, data):
    (tmp / "afile").write_text("not a folder")


def existing_output(run, tmp, small_set, data):
    (tmp / "s.npy").write_bytes(b"precious")


def wrong_width_samples(run, tmp, small_set, data):
    np.save(tmp / "wide.npy", np.random.default_rng(0).standard_normal((50, 5)))


def edited_shapes(run, tmp, small_set, data):
    shutil.copytree(run, tmp / "copy")
    config = tmp / "copy" / "config.toml"
    config.write_text(config.read_text().replace("hidden = 32", "hidden = 48"))


def edited_lr(run, tmp, small_set, data):
    shutil.copytree(run, tmp / "copy")
    config = tmp / "copy" / "config.toml"
    config.write_text(config.read_text() + "\n[train.players.D]\nlr = 0.005\n")


def changed_data(run, tmp, small_set, data):
    own = tmp / "rows.npy"
    shutil.copy(data, own)
    train(tmp / "r", own, small_set, "--no-validate", "--set", "train.lr_schedule=constant")
    np.save(own, np.load(own) * 2.0)


CASES = [
    ("resume {run} --set train.lr=1e-3", "train.lr cannot change on resume", None),
    ("resume {run} --set networks.G.hidden=64", "networks.G.hidden cannot change", None),
    ("resume {run} --set train.stepz=60", "train.stepz cannot change on resume", None),
    ("resume {run} --set data.path=other.npy", "data.path cannot change on resume", None),
    ("resume {run} --set train.steps=10", "train.steps=10 is fewer than the 30 steps", None),
    ("resume {run} --set train.steps=60", "schedule reached zero at step 30", None),
    ("resume {run} --set train.checkpoint_every=0", "train.checkpoint_every must be at", None),
    ("resume {run} --set train.keep_checkpoints=0", "train.keep_checkpoints must be at", None),
    ("resume {run} --set device=tpu", "device: unknown device 'tpu'", None),
    ("resume {tmp}/copy", "train.players.D.lr: config.toml says 0.005", edited_lr),
    ("resume {run}", "is in use by process {pid}", hold_lock),
    (
        "resume {tmp}/copy",
        "copy/checkpoints/step-0000030.pt: its weights do not fit",
        edited_shapes,
    ),
    ("resume {tmp}/r --set train.steps=40", "the data differs from what this run", changed_data),
    ("run grid25 --out {run}", "already holds a run; continue it with `gansci resume", None),
    ("run grid25 --out {run} --force", "is in use by process {pid}", hold_lock),
    ("run grid25 --out {tmp}/mine", "the folder is not empty", user_file_in_folder),
    ("run grid25 --out {tmp}/afile", "is a file, not a folder", file_as_out),
    ("run grid25 --seeds 2 --out {tmp}/s --force", "--force applies to a single run", None),
    ("sample {run} -n 5 -o {tmp}/s.npy", "s.npy: the file exists", existing_output),
    ("sample {run} -n 5 -o {run}/samples/step-0000030.npy", "the file exists", None),
    ("sample {run} -n 5 -o {run}/config.toml", "no sample format '.toml'", None),
    ("sample {run} -n 0 -o {tmp}/x.npy", "give -n N (at least 1 sample), got -n 0", None),
    ("sample {run} -n -5 -o {tmp}/x.npy", "got -n -5", None),
    ("sample {run} -n 5 -o {tmp}", "is a folder", None),
    (
        "validate {run} --samples {tmp}/wide.npy",
        "the samples have shape (50, 5)",
        wrong_width_samples,
    ),
]


@pytest.mark.parametrize(("command", "message", "setup"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_error_line_and_changes_nothing(
    command, message, setup, run, data_file, small_set, tmp_path, capsys
):
    held = setup(run, tmp_path, small_set, data_file) if setup else None
    capsys.readouterr()
    before = checksums(run, tmp_path)
    try:
        code = main(command.format(run=run, tmp=tmp_path).split())
    finally:
        if held is not None:
            held.release()
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 1, err
    assert "Traceback" not in err
    assert [line for line in lines if not line.startswith("WARNING")] == lines[-1:], err
    assert lines[-1].startswith("gansci: error: ")
    assert message.format(pid=os.getpid()) in lines[-1], lines[-1]
    assert checksums(run, tmp_path) == before
