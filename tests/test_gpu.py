"""Checks that need CUDA: device selection, no host sync inside steps, bf16 autocast."""

import pytest
import torch

from gansci import Experiment
from gansci.engine.trainer import Trainer

pytestmark = pytest.mark.gpu


def test_auto_device_is_cuda_and_training_runs_there(tmp_path, small):
    small.pop("device")
    exp = Experiment.from_recipe("grid25", out=tmp_path / "r", **small).run(validate=False)
    assert exp.device.type == "cuda"
    assert next(exp.game.G.parameters()).is_cuda
    assert exp.sample(10).shape == (10, 2)


def test_no_host_synchronisation_between_log_steps(host_syncs):
    exp = Experiment.from_recipe("grid25", device="cuda")
    game, data = exp.game, exp.data  # built (and copied to the device) before watching
    cfg = exp.config.train
    cfg.steps, cfg.log_every, cfg.eval_every, cfg.batch_size = 60, 20, 0, 256
    trainer = Trainer(cfg, run_dir=None)
    synced_at = host_syncs(trainer, game, data)
    assert synced_at, "the log steps read the losses back, so some syncs must be seen"
    assert set(synced_at) <= {20, 40, 60}, f"host syncs inside steps: at steps {synced_at}"


def test_bf16_autocast_on_cuda(tmp_path, small):
    small["device"] = "cuda"
    small["train"]["amp"] = True
    exp = Experiment.from_recipe("ring8", out=tmp_path / "r", **small).run(validate=False)
    assert torch.isfinite(torch.as_tensor(exp.sample(100))).all()
