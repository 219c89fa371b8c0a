"""The stabilisation toolbox: every option of the standard game and trainer, checked."""

import json
import logging

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gansci import Experiment
from gansci.config import PlayerConfig, TrainConfig
from gansci.engine import checkpoint
from gansci.engine.losses import LOSSES
from gansci.engine.trainer import Trainer
from gansci.errors import ConfigError
from gansci.nets.packing import pack


def run(tmp_path, small, name="r", recipe="ring8", **sections):
    for k, v in sections.items():
        small[k] = {**small.get(k, {}), **v} if isinstance(v, dict) else v
    return Experiment.from_recipe(recipe, out=tmp_path / name, **small).run(validate=False)


def records(run_dir, kind="train"):
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


def test_label_smoothing_is_bce_against_one_minus_s(tmp_path, small):
    exp = Experiment.from_recipe("ring8", game={"label_smoothing": 0.1, "penalty": ""}, **small)
    game = exp.game
    real, fake = exp.data.sample(32), exp.data.sample(32) + 0.5
    loss, _ = game.d_loss(real, fake)
    d_real, d_fake = game.D(real), game.D(fake)
    by_hand = F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, 0.9))
    by_hand = by_hand + F.softplus(d_fake).mean()
    assert loss.item() == pytest.approx(by_hand.item(), rel=1e-5)


def test_label_smoothing_refuses_non_bce_losses(small):
    with pytest.raises(ConfigError, match="label_smoothing applies to the BCE losses"):
        _ = Experiment.from_recipe("ring8", game={"loss": "hinge", "label_smoothing": 0.1}).game


def test_instance_noise_anneals_to_zero(small):
    game = Experiment.from_recipe(
        "ring8", game={"instance_noise": 0.5, "instance_noise_steps": 10}, **small
    ).game
    x = torch.zeros(4000, 2)
    assert game._d_in(x).std().item() == pytest.approx(0.5, rel=0.05)
    game.steps_done.fill_(5)
    assert game._d_in(x).std().item() == pytest.approx(0.25, rel=0.05)
    game.steps_done.fill_(10)
    assert torch.equal(game._d_in(x), x)


def test_packing_joins_m_samples_and_d_judges_groups(tmp_path, small):
    batch = torch.arange(12.0).view(6, 2)
    assert torch.equal(pack(batch, 3), torch.tensor([[0, 1, 2, 3, 4, 5.0], [6, 7, 8, 9, 10, 11]]))
    exp = run(tmp_path, small, discriminator={"packing": 4})
    real = exp.data.sample(64)
    assert exp.game.D(real).shape == (16,)
    assert exp.game.D.D.body[0].in_features == 8
    with pytest.raises(ConfigError, match="packing=3 must be at least 1 and divide"):
        Experiment.from_recipe("ring8", discriminator={"packing": 3})


def test_feature_matching_loss_is_zero_when_fake_equals_real(small):
    game = Experiment.from_recipe("ring8", game={"objective": "feature_matching"}, **small).game
    x = torch.randn(64, 2)
    assert game.g_loss(x, x).item() == pytest.approx(0.0, abs=1e-10)
    assert game.g_loss(x, x + 1).item() > 0


def test_consistency_and_augmentation_run_and_penalise(tmp_path, small):
    exp = run(tmp_path, small, game={"augment": "jitter", "consistency": "jitter"})
    game = exp.game
    real = exp.data.sample(64)
    with_cr, _ = game.d_loss(real, real + 0.3)
    game.consistency = None
    without, _ = game.d_loss(real, real + 0.3)
    assert with_cr.item() != without.item()


@pytest.mark.parametrize("update", ["simultaneous", "extragradient"])
def test_simultaneous_and_extragradient_train(tmp_path, small, update):
    exp = run(tmp_path, small, name=update, game={"update": update})
    assert all(np.isfinite(r["loss_g"]) for r in records(exp.run_dir))
    with pytest.raises(ConfigError, match="n_critic=1"):
        _ = Experiment.from_recipe("ring8", game={"update": update, "n_critic": 2}).game


@pytest.mark.parametrize("optimizer", ["optimistic-adam", "sgd", "optimistic-sgd"])
def test_optimisers_are_selectable(tmp_path, small, optimizer):
    exp = run(tmp_path, small, name=optimizer, train={"optimizer": optimizer})
    assert all(np.isfinite(r["loss_d"]) for r in records(exp.run_dir))


def test_unknown_optimiser_and_schedule_are_errors(tmp_path, small):
    with pytest.raises(ConfigError, match="train.optimizer: unknown optimiser 'adamw'"):
        run(tmp_path, small, name="a", train={"optimizer": "adamw"})
    with pytest.raises(ConfigError, match="train.steps must be at least 1"):
        Experiment.from_recipe("ring8", train={"steps": 0})


def test_linear_schedule_decays_learning_rates(tmp_path, small):
    exp = run(tmp_path, small, train={"lr_schedule": "linear", "lr_d": 1e-3, "lr_g": 1e-3})
    lrs = [r["lr_D"] for r in records(exp.run_dir)]
    assert lrs == pytest.approx([1e-3 * (1 - s / 40) for s in (10, 20, 30, 40)])


def test_bf16_autocast_trains(tmp_path, small):
    exp = run(tmp_path, small, train={"amp": True})
    assert all(np.isfinite(r["loss_d"]) for r in records(exp.run_dir))


def test_diagnostics_log_spread_and_warn_on_collapse(tmp_path, small, caplog):
    exp = Experiment.from_recipe("grid25", out=tmp_path / "r", **small)
    with torch.no_grad():  # a collapsed generator: every latent maps to one point
        for p in exp.game.G.parameters():
            p.zero_()
    exp.config.train.players["G"] = PlayerConfig(lr=1e-12)  # G stays collapsed
    exp.config.train.eval_every = 20
    with caplog.at_level(logging.WARNING, logger="gansci"):
        exp.run(validate=False)
    evals = records(exp.run_dir, "eval")
    assert [r["step"] for r in evals] == [20, 40]
    assert evals[-1]["spread_ratio"] < 0.05
    assert "possible mode collapse" in caplog.text
    assert (exp.run_dir / "samples" / "step-0000020.npy").is_file()
    assert (exp.run_dir / "figures" / "steps" / "step-0000040.png").is_file()


def test_best_checkpoint_and_early_stopping(tmp_path):
    scores = iter([3.0, 1.0, 2.0, 2.5, 0.5, 0.1])
    game = Experiment.from_recipe("ring8", device="cpu").game
    cfg = TrainConfig(
        steps=100, batch_size=32, log_every=10, eval_every=10, checkpoint_every=50,
        select_metric="score", select_mode="min", patience=2,
    )  # fmt: skip
    trainer = Trainer(cfg, tmp_path, evaluate=lambda g, step: {"score": next(scores)})
    trainer.fit(game, Experiment.from_recipe("ring8", device="cpu").data)
    assert trainer.stopped_early and trainer.step == 40  # 2 evaluations after the best (step 20)
    best = checkpoint.load(tmp_path / "checkpoints" / "best.pt")
    assert best["step"] == 20 and best["value"] == 1.0
    assert checkpoint.latest(tmp_path / "checkpoints").name == "step-0000040.pt"
    stop = [json.loads(x) for x in (tmp_path / "metrics.jsonl").open()][-1]
    assert stop == {"step": 40, "kind": "early_stop", "best": 1.0}


def test_selected_weights_are_used_for_sampling(tmp_path, small):
    small["train"].update(eval_every=10, eval_metrics=["swd"], select_metric="swd.swd")
    exp = Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)
    best = checkpoint.load(tmp_path / "r" / "checkpoints" / "best.pt")
    loaded = Experiment.load(tmp_path / "r").game
    for k, v in best["game"].items():
        assert torch.equal(loaded.state_dict()[k], v)
    with pytest.raises(ConfigError, match="select_metric needs evaluations"):
        Experiment.from_recipe("ring8", train={"select_metric": "swd.swd", "eval_every": 0})
    assert exp.run_dir.is_dir()


def test_select_metric_must_be_evaluated(tmp_path, small):
    small["train"].update(eval_every=10, select_metric="modes.modes")
    with pytest.raises(ConfigError, match="not among the evaluated keys"):
        Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)


def test_losses_registry_adds_by_name():
    assert {"ns", "hinge", "rsgan", "ragan", "wgan-gp"} <= set(LOSSES)


@pytest.mark.slow
@pytest.mark.parametrize("penalty", ["r1", ""])
def test_compiled_step_trains(tmp_path, small, penalty):
    exp = run(tmp_path, small, train={"compile": True, "steps": 20}, game={"penalty": penalty})
    assert all(np.isfinite(r["loss_d"]) for r in records(exp.run_dir))
    game = exp.game
    assert game.G._compiled_call_impl is not None
    # a gradient penalty's double backward is not supported by torch.compile: D stays eager
    assert (game.D._compiled_call_impl is None) == bool(penalty)
