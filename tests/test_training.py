"""Training: exact resume, the non-finite guard, checkpoints, logs, sampling, EMA."""

import json
import os

import numpy as np
import pytest
import torch

from gansci import Experiment
from gansci.config import TrainConfig
from gansci.engine import checkpoint
from gansci.engine.game import StandardGame
from gansci.engine.trainer import Trainer
from gansci.errors import CheckpointError, ConfigError, TrainingDiverged


def final_state(run_dir):
    return checkpoint.load(checkpoint.latest(run_dir / "checkpoints"))


def assert_same_final_state(a_dir, b_dir):
    a, b = final_state(a_dir), final_state(b_dir)
    assert a["step"] == b["step"]
    assert a["game"].keys() == b["game"].keys()
    for key in a["game"]:
        assert torch.equal(a["game"][key], b["game"][key]), key
    for name in a["optimizers"]:
        sa, sb = a["optimizers"][name]["state"], b["optimizers"][name]["state"]
        for i in sa:
            assert torch.equal(sa[i]["exp_avg"], sb[i]["exp_avg"])
    # the log of the resumed run has each step once, in order
    steps = [json.loads(x)["step"] for x in (b_dir / "metrics.jsonl").open()]
    assert steps == sorted(steps) and len(steps) == len(set(steps))


def test_stopped_at_30_and_resumed_to_60_equals_straight_to_60(tmp_path, small):
    small["train"].update(steps=60, checkpoint_every=30, ema=0.9, lr_schedule="constant")
    Experiment.from_recipe("grid25", seed=3, out=tmp_path / "a", **small).run(validate=False)
    small["train"]["steps"] = 30
    Experiment.from_recipe("grid25", seed=3, out=tmp_path / "b", **small).run(validate=False)
    Experiment.load(tmp_path / "b", **{"train.steps": 60}).resume(validate=False)
    assert_same_final_state(tmp_path / "a", tmp_path / "b")


def test_interrupted_run_resumes_exactly_with_schedule_and_ema(tmp_path, small, monkeypatch):
    small["train"].update(steps=60, checkpoint_every=30, ema=0.9, lr_schedule="linear")
    Experiment.from_recipe("grid25", seed=3, out=tmp_path / "a", **small).run(validate=False)
    original, calls = StandardGame.step, {"n": 0}

    def killed_at_45(self, sample_real, players):
        calls["n"] += 1
        if calls["n"] == 45:
            raise KeyboardInterrupt
        return original(self, sample_real, players)

    monkeypatch.setattr(StandardGame, "step", killed_at_45)
    with pytest.raises(KeyboardInterrupt):
        Experiment.from_recipe("grid25", seed=3, out=tmp_path / "b", **small).run(validate=False)
    monkeypatch.setattr(StandardGame, "step", original)
    assert final_state(tmp_path / "b")["step"] == 30
    Experiment.load(tmp_path / "b").resume(validate=False)
    assert_same_final_state(tmp_path / "a", tmp_path / "b")


def test_an_extended_linear_schedule_decays_from_where_it_was_to_the_new_end(
    tmp_path, small, monkeypatch
):
    small["train"].update(steps=60, checkpoint_every=30, log_every=10, lr_schedule="linear")
    original, calls = StandardGame.step, {"n": 0}

    def killed_at_45(self, sample_real, players):
        calls["n"] += 1
        if calls["n"] == 45:
            raise KeyboardInterrupt
        return original(self, sample_real, players)

    monkeypatch.setattr(StandardGame, "step", killed_at_45)
    with pytest.raises(KeyboardInterrupt):
        Experiment.from_recipe("grid25", seed=3, out=tmp_path / "b", **small).run(validate=False)
    monkeypatch.setattr(StandardGame, "step", original)
    saved = final_state(tmp_path / "b")["schedulers"]["G"]["lr_lambdas"][0]
    assert saved == {"start": 0, "factor": 1.0, "end": 60}  # the horizon, in the checkpoint
    Experiment.load(tmp_path / "b", **{"train.steps": 90}).resume(validate=False)
    records = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").open()]
    lr = {r["step"]: r["lr_G"] for r in records if r["kind"] == "train"}
    base = small["train"].get("lr", 1e-3)
    # 0.5 of the base rate was reached at step 30 (of 60); it now falls to zero at step 90
    for step in (10, 20, 30):
        assert lr[step] == pytest.approx(base * (1 - step / 60))
    for step in (40, 60, 80, 90):
        assert lr[step] == pytest.approx(base * 0.5 * (1 - (step - 30) / 60))
    assert final_state(tmp_path / "b")["schedulers"]["G"]["lr_lambdas"][0] == {
        "start": 30,
        "factor": 0.5,
        "end": 90,
    }


def test_linear_schedule_held_for_lr_decay_start_then_to_zero_and_extended_in_proportion():
    from gansci.engine.player import LinearDecay

    decay = LinearDecay(100, start=50)  # train.lr_decay_start = 0.5 of 100 steps
    assert [decay(s) for s in (0, 50, 75, 100, 120)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    decay.extend(200, 30)  # resumed at 30 towards 200 steps: held to 100, then down
    assert (decay.start, decay.end) == (100, 200) and decay(100) == 1.0 and decay(150) == 0.5
    decay.extend(300, 150)  # resumed inside the decay: from the 0.5 reached, to zero at 300
    assert decay(150) == 0.5 and decay(225) == 0.25 and decay(300) == 0.0


def test_same_seed_same_run_different_seed_different_run(tmp_path, small):
    runs = []
    for name, seed in [("a", 1), ("b", 1), ("c", 2)]:
        exp = Experiment.from_recipe("ring8", seed=seed, out=tmp_path / name, **small)
        runs.append(exp.run(validate=False).sample(50, seed=0))
    assert np.array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_non_finite_loss_stops_naming_step_and_keeps_last_checkpoint(tmp_path, small, monkeypatch):
    original = StandardGame.step
    calls = {"n": 0}

    def poisoned(self, sample_real, players):
        out = original(self, sample_real, players)
        calls["n"] += 1
        if calls["n"] >= 26:
            out["loss_g"] = out["loss_g"] * float("nan")
        return out

    monkeypatch.setattr(StandardGame, "step", poisoned)
    exp = Experiment.from_recipe("grid25", out=tmp_path / "r", **small)
    with pytest.raises(TrainingDiverged) as err:
        exp.run(validate=False)
    msg = str(err.value)
    assert "loss_g became non-finite at step 26" in msg
    assert "step-0000020.pt" in msg
    ckpts = checkpoint.list_checkpoints(tmp_path / "r" / "checkpoints")
    assert [s for s, _ in ckpts] == [20]
    state = checkpoint.load(ckpts[0][1])
    assert all(torch.isfinite(v).all() for v in state["game"].values() if v.is_floating_point())


def test_metrics_log_has_losses_gradients_and_d_outputs(tmp_path, small):
    small["train"].update(eval_every=20, eval_metrics=["modes", "swd"])
    Experiment.from_recipe("grid25", out=tmp_path / "r", **small).run(validate=False)
    records = [json.loads(x) for x in (tmp_path / "r" / "metrics.jsonl").open()]
    train = [r for r in records if r["kind"] == "train"]
    evals = [r for r in records if r["kind"] == "eval"]
    assert [r["step"] for r in train] == [10, 20, 30, 40]
    for key in [
        "loss_d",
        "loss_g",
        "d_real",
        "d_fake",
        "d_acc",
        "grad_norm_G",
        "grad_norm_D",
        "lr_G",
    ]:
        assert all(np.isfinite(r[key]) for r in train), key
    assert [r["step"] for r in evals] == [20, 40]
    assert 0 <= evals[-1]["modes.modes"] <= 25 and evals[-1]["swd.swd"] > 0


def test_checkpoints_keep_the_last_k_and_leave_no_temp_files(tmp_path, small):
    small["train"].update(steps=50, checkpoint_every=10, keep_checkpoints=2)
    Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)
    names = sorted(os.listdir(tmp_path / "r" / "checkpoints"))
    assert names == ["step-0000040.pt", "step-0000050.pt"]


def test_atomic_save_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "c.pt"
    checkpoint.atomic_save({"step": 1, "game": {}}, path)

    def fail(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", fail)
    with pytest.raises(OSError):
        checkpoint.atomic_save({"step": 2, "game": {}}, path)
    assert checkpoint.load(path)["step"] == 1
    assert os.listdir(tmp_path) == ["c.pt"]


def test_corrupt_checkpoint_is_a_clear_error(tmp_path, small):
    exp = Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)
    last = checkpoint.latest(exp.run_dir / "checkpoints")
    last.write_bytes(last.read_bytes()[:100])
    with pytest.raises(CheckpointError, match="corrupt or unreadable checkpoint"):
        Experiment.load(tmp_path / "r").sample(5)


def test_checkpoint_refuses_pickled_objects(tmp_path):
    import types

    path = tmp_path / "evil.pt"
    torch.save({"step": 1, "game": types.SimpleNamespace(a=1)}, path)  # not allowed
    with pytest.raises(CheckpointError, match="corrupt or unreadable"):
        checkpoint.load(path)


def test_run_refuses_to_overwrite_a_run(tmp_path, small):
    Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)
    with pytest.raises(Exception, match="already holds a run; continue it with `gansci resume"):
        Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)


def test_ema_generator_is_used_for_sampling_and_lags_the_live_one(tmp_path, small):
    small["train"]["ema"] = 0.99
    exp = Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)
    game = exp.game
    assert game.sampler("G") is game.ema["G"]
    live = torch.cat([p.flatten() for p in game.G.parameters()])
    avg = torch.cat([p.flatten() for p in game.ema["G"].parameters()])
    assert not torch.equal(live, avg)


def test_spectral_norm_and_n_critic_and_wgan_clipping(tmp_path, small):
    small["discriminator"]["spectral_norm"] = True
    exp = Experiment.from_recipe(
        "ring8", out=tmp_path / "sn", game={"loss": "wgan", "n_critic": 3}, **small
    ).run(validate=False)
    D = exp.game.D
    assert any("parametrizations" in n for n, _ in D.named_modules())
    assert all(p.abs().max() <= 0.01 + 1e-7 for p in D.parameters())


@pytest.mark.parametrize("loss", ["ns", "minimax", "wgan-gp", "hinge", "lsgan", "rsgan", "ragan"])
def test_every_loss_trains_and_moves_the_generator(tmp_path, small, loss):
    small["train"]["steps"] = 10
    exp = Experiment.from_recipe("ring8", out=tmp_path / loss, game={"loss": loss}, **small)
    before = [p.detach().clone() for p in exp.game.G.parameters()]
    exp.run(validate=False)
    after = list(exp.game.G.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))
    record = json.loads((tmp_path / loss / "metrics.jsonl").read_text().splitlines()[-1])
    assert np.isfinite(record["loss_d"]) and np.isfinite(record["loss_g"])
    if loss == "wgan-gp":
        assert record["penalty"] > 0


def test_load_finished_run_and_sample_without_the_cli(tmp_path, small):
    Experiment.from_recipe("grid25", out=tmp_path / "r", **small).run(validate=False)
    exp = Experiment.load(tmp_path / "r")
    a, b = exp.sample(20, seed=4), exp.sample(20, seed=4)
    assert a.shape == (20, 2) and np.array_equal(a, b)
    assert not np.array_equal(a, exp.sample(20, seed=5))


def test_game_and_data_on_different_devices_is_a_clear_error():
    game = Experiment.from_recipe("ring8", device="cpu").game
    data = Experiment.from_recipe("ring8", device="cpu").data.to("meta")
    with pytest.raises(ConfigError, match="networks are on cpu but the data is on meta"):
        Trainer(TrainConfig(steps=1), run_dir=None).fit(game, data)


def test_train_threads_hold_while_training_only(tmp_path, small, monkeypatch):
    exp = Experiment.from_recipe("ring8", out=tmp_path / "a", **small)
    seen, draw = [], type(exp.data).sample

    def sample(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return draw(self, *args, **kwargs)

    monkeypatch.setattr(type(exp.data), "sample", sample)
    before = torch.get_num_threads()
    threads = 1 if before > 1 else 2
    exp.config.train.threads = threads
    exp.run(validate=False)
    assert seen and set(seen) == {threads} and torch.get_num_threads() == before
    small["train"]["threads"] = -1
    with pytest.raises(ConfigError, match="train.threads must be >= 0"):
        Experiment.from_recipe("ring8", out=tmp_path / "b", **small)
