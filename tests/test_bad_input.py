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
from gansci.plugin import Spec, hookimpl
from gansci.registry import Registry


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


def bad_files(run, tmp, small_set, data):
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((100, 3))
    np.save(tmp / "big.npy", 1e300 * rows)
    np.save(tmp / "const.npy", np.ones((100, 3)))
    rows[5, 1] = np.nan
    np.save(tmp / "nan.npy", rows)


def read_only_folder(run, tmp, small_set, data):
    (tmp / "ro").mkdir()
    (tmp / "ro").chmod(0o555)


def corrupt(name: str, content: bytes):
    def setup(run, tmp, small_set, data):
        shutil.copytree(run, tmp / "copy")
        (tmp / "copy" / name).write_bytes(content)

    return setup


class BrokenPlugin:
    """A plugin whose hook returns a spec, not a list of specs."""

    @hookimpl
    def gansci_datasets(self):
        return Spec("single", "one dataset, not in a list", lambda: None)


def broken_plugin(run, tmp, small_set, data):
    import gansci.registry

    previous = gansci.registry.get_registry()
    gansci.registry._registry = Registry(plugins={"broken": BrokenPlugin()})

    class Restore:
        def release(self):
            gansci.registry._registry = previous

    return Restore()


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
    # every value checked when the config is resolved, before the first file is written
    (
        "run grid25 --out {tmp}/n {vec} {small} --set train.lr=nan",
        "train.lr must be a finite",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set train.players.D.lr=-1e-3",
        "train.players.D.lr must be a finite positive number, got -0.001",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set train.betas=[0.5,0.9,0.99]",
        "train.betas must be two numbers in [0, 1)",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set train.ema=2",
        "train.ema must be in [0, 1)",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set generator.latent_dim=0",
        "generator.latent_dim must be at least 1, got 0",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set networks.G.hidden=0",
        "generator.hidden must be at least 1, got 0",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set discriminator.hidden=0",
        "discriminator.hidden must be at least 1, got 0",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set networks.D.depth=-1",
        "discriminator.depth must be at least 0, got -1",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set train.batch_size=100000000000",
        "train.batch_size=100000000000: one batch of the data alone takes",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set validate.n_samples=0",
        "validate.n_samples must be at least 1, got 0",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set train.eval_every=-5",
        "train.eval_every must be >= 0",
        None,
    ),
    (
        "run grid25 --out {tmp}/n {vec} {small} --set data.test_fraction=1.5",
        "data.test_fraction must be between 0 and 1, got 1.5",
        None,
    ),
    ("run grid25 --out {tmp}/n {vec} {small} --set train.steps=0", "train.steps must be at", None),
    ("run grid25 --out {tmp}/n {vec} {small} --device tpu", "unknown device 'tpu'", None),
    ("run grid25 --out {tmp}/n --set data.path={data}", "dataset 'grid25' reads no file", None),
    # data that cannot be learnt from, named by file
    (
        "run grid25 --out {tmp}/n --set data.name=vectors --set data.path={tmp}/big.npy {small}",
        "big.npy: a value of",
        bad_files,
    ),
    (
        "run grid25 --out {tmp}/n --set data.name=vectors --set data.path={tmp}/nan.npy {small}",
        "nan.npy: 1 NaN or infinite value(s), the first at row 5, column 1",
        bad_files,
    ),
    (
        "run grid25 --out {tmp}/n --set data.name=vectors --set data.path={tmp}/const.npy {small}",
        "const.npy: every value is constant",
        bad_files,
    ),
    (
        "run grid25 --out {tmp}/n --set data.name=vectors --set data.path={tmp}/none.npy {small}",
        "none.npy: no such data file",
        None,
    ),
    # outputs that cannot be written: refused before the work
    ("sample {run} -n 5 -o /proc/x.npy", "-o /proc/x.npy: cannot write into /proc", None),
    ("sample {run} -n 5 -o {tmp}/ro/x.npy", "cannot write into", read_only_folder),
    ("sample {run} -n 5 -o {tmp}/afile/x.npy", "cannot write into", file_as_out),
    (
        "run grid25 --out /proc/gansci-run {vec} {small}",
        "--out /proc/gansci-run: cannot write into /proc",
        None,
    ),
    # run folders that are not what their files say
    ("sample {tmp}/nothing -n 5 -o {tmp}/x.npy", "not a gansci run folder", None),
    ("sample {tmp}/copy -n 5 -o {tmp}/x.npy", "its weights do not fit", edited_shapes),
    ("validate {tmp}/copy", "its weights do not fit", edited_shapes),
    (
        "sample {tmp}/copy -n 5 -o {tmp}/x.npy",
        "config.toml: not valid TOML",
        corrupt("config.toml", b"[train\n"),
    ),
    (
        "sample {tmp}/copy -n 5 -o {tmp}/x.npy",
        "step-0000030.pt: corrupt or unreadable checkpoint",
        corrupt("checkpoints/step-0000030.pt", b"not a checkpoint"),
    ),
    (
        "sample {tmp}/copy -n 5 -o {tmp}/x.npy",
        "normalization.json: unreadable normalisation",
        corrupt("normalization.json", b"{}"),
    ),
    ("validate {run} --samples {tmp}/none.npy", "none.npy: no such samples file", None),
    ("validate {run} --samples {tmp}/nan.npy", "nan.npy: 1 NaN or infinite", bad_files),
    ("sample {run} --from {data} -o {tmp}/x.npy", "game does not translate", None),
    # a plugin whose hook returns the wrong type is named; the others keep working
    (
        "run grid25 --out {tmp}/n {small} --set data.name=single",
        "broken (gansci_datasets() raised TypeError: returned Spec, not a list",
        broken_plugin,
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
        vec = f"--set data.name=vectors --set data.path={data_file}"
        args = dict(run=run, tmp=tmp_path, data=data_file, vec=vec, small=" ".join(small_set))
        code = main(command.format(**args).split())
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
