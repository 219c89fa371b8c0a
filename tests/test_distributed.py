"""Two gloo processes train one model: at global batch B they match one process at B, and
a run that loses a process stops with a clear error, its last checkpoint intact and
resumable (at another number of processes)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gansci import Experiment
from gansci.engine import checkpoint
from gansci.files import read_jsonl

# constant learning rates: the schedule would otherwise depend on train.steps
SETTINGS = {
    "data.n": 3000,
    "train.batch_size": 64,
    "train.lr_schedule": "constant",
    "train.log_every": 5,
    "train.checkpoint_every": 10,
    "train.keep_checkpoints": 1000,
    "train.eval_every": 0,
    "train.progress": "false",
}
#: float sums over two shards of a batch, not one: the same numbers to rounding
ATOL = 1e-5


def _one_process(tmp: Path, steps: int) -> Experiment:
    overrides = {**SETTINGS, "train.progress": False, "train.steps": steps}
    exp = Experiment.from_recipe("grid25", device="cpu", out=tmp, overrides=overrides)
    return exp.run(validate=False)


def _rank_pid(root: int, rank: int) -> int | None:
    """The pid of the process below ``root`` that torchrun started as ``rank``."""
    parent, env = {}, {}
    for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
        try:
            parent[pid] = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            env[pid] = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue

    def below(pid: int) -> bool:
        while pid > 1:
            pid = parent.get(pid, 0)
            if pid == root:
                return True
        return False

    return next((p for p in env if f"RANK={rank}".encode() in env[p] and below(p)), None)


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory):
    """A 2-process grid25 run whose rank 1 is killed once step 10's checkpoint exists."""
    out = tmp_path_factory.mktemp("ddp") / "run"
    sets = [f"--set={k}={v}" for k, v in {**SETTINGS, "train.steps": 100_000}.items()]
    cmd = [sys.executable, "-m", "gansci", "run", "grid25", "--nproc", "2", "--device", "cpu"]
    proc = subprocess.Popen(
        [*cmd, "--out", str(out), "--no-validate", *sets],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not (out / "checkpoints" / "step-0000010.pt").exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.2)
        victim = _rank_pid(proc.pid, 1)
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err, out


def test_two_processes_at_batch_b_match_one_process_at_b(killed_run, tmp_path):
    _, _, out = killed_run
    one = _one_process(tmp_path / "one", 10)
    two = checkpoint.load(out / "checkpoints" / "step-0000010.pt")["game"]
    start = Experiment.from_recipe("grid25", device="cpu", overrides={"data.n": 3000}).game
    start = start.state_dict()
    for name, w in one.game.state_dict().items():
        assert torch.allclose(two[name], w, atol=ATOL, rtol=0), name
    moved = max((w - start[n]).abs().max().item() for n, w in one.game.state_dict().items())
    assert moved > 100 * ATOL  # the comparison is not of weights that stayed put
    logs = [
        [r for r, _ in read_jsonl(d / "metrics.jsonl") if r["kind"] == "train" and r["step"] <= 10]
        for d in (out, tmp_path / "one")
    ]
    assert [r["step"] for r in logs[0]] == [r["step"] for r in logs[1]] == [5, 10]
    for a, b in zip(*logs, strict=True):
        for key in ("loss_d", "loss_g", "d_acc", "grad_norm_D", "grad_norm_G"):
            assert a[key] == pytest.approx(b[key], rel=1e-4, abs=ATOL), key


def test_a_killed_process_stops_the_run_with_a_clear_error_and_it_resumes(killed_run):
    rc, err, out = killed_run
    last = err.strip().splitlines()[-1]
    assert rc == 1
    assert "process 1 of 2 was killed by SIGKILL" in last
    assert f"gansci resume {out}" in last
    assert "Traceback" not in err
    assert "process 0: lost the others" in err  # rank 0 says why it stopped, in a line
    step, path = checkpoint.list_checkpoints(out / "checkpoints")[-1]
    assert checkpoint.load(path)["step"] == step  # intact
    # one process goes on from the 2-process checkpoint
    exp = Experiment.load(out, **{"train.steps": step + 5})
    exp.resume(validate=False)
    assert checkpoint.list_checkpoints(out / "checkpoints")[-1][0] == step + 5
