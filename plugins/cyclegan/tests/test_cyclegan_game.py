"""The cycle game: history pools, the cycle-path switches, exact resume, the paired mode,
and the plugin's conformance (every recipe trains two steps and validates)."""

import json

import numpy as np
import pytest
import torch
from gansci_cyclegan.game import CycleGAN, CycleOptions, HistoryPool, gaussian_blur

from gansci import Experiment
from gansci.plugin import ConfigError, check_plugin

#: a tiny cycle game on small fields: a few steps take about a second
SMALL = {
    "data": {"n_train": 16, "n_test": 4, "size": 16},
    "networks.G_AB.ngf": 4, "networks.G_AB.n_blocks": 1,
    "networks.G_BA.ngf": 4, "networks.G_BA.n_blocks": 1,
    "networks.D_A.ndf": 4, "networks.D_B.ndf": 4,
    "train": {"steps": 6, "batch_size": 4, "checkpoint_every": 3, "progress": False},
    "validate": {"n_samples": 4, "metrics": ["pairs"]},
}  # fmt: skip


def small_run(out, **more):
    return Experiment.from_recipe("cyclegan-fields", device="cpu", out=out, **{**SMALL, **more})


def test_pool_fills_then_swaps_about_half_and_keeps_what_it_returns():
    torch.manual_seed(0)
    pool = HistoryPool(4, (1,), prob=0.5)
    first = torch.arange(4.0)[:, None]
    assert torch.equal(pool(first[:3]), first[:3])  # while filling, the new samples come back
    assert torch.equal(pool(first[3:]), first[3:])
    assert pool.filled == 4 and torch.equal(pool.samples, first)
    swapped = 0
    for i in range(200):
        new = torch.full((4, 1), 100.0 + i)
        before = pool.samples.clone()
        out = pool(new)
        old = out != new
        swapped += int(old.sum())
        # a returned old sample was in the pool, and its slot now holds the new one
        assert all(v in before for v in out[old].tolist())
    assert 0.4 < swapped / 800 < 0.6


def test_pool_state_travels_in_the_state_dict():
    pool = HistoryPool(3, (2,))
    pool(torch.ones(2, 2))
    again = HistoryPool(3, (2,))
    again.load_state_dict(pool.state_dict())
    assert again.filled == 2 and torch.equal(again.samples, pool.samples)


def test_cycle_path_switches_quantise_blur_and_noise():
    x = torch.linspace(-1, 1, 64).view(1, 64, 1).requires_grad_()
    game = CycleGAN.__new__(CycleGAN)
    game.options = CycleOptions(cycle_quantize_bits=2)
    q = game.cycle_path(x)
    assert set(torch.round(q * 3).unique().tolist()) == {-3.0, -1.0, 1.0, 3.0}  # 4 levels
    q.sum().backward()
    assert torch.equal(x.grad, torch.ones_like(x))  # straight through
    flat = torch.full((2, 16, 16, 1), 0.3)
    assert torch.allclose(gaussian_blur(flat, 1.0), flat)  # a blur keeps a constant
    step = torch.zeros(1, 32, 1)
    step[:, 16:] = 1
    blurred = gaussian_blur(step, 2.0)
    assert 0.4 < float(blurred[0, 16, 0]) < 0.7 and float(blurred[0, 0, 0]) < 1e-3
    game.options = CycleOptions(cycle_noise_std=0.1)
    noise = game.cycle_path(torch.zeros(4000, 1)).detach()
    assert abs(float(noise.std()) - 0.1) < 0.01


def test_interrupted_run_resumed_equals_the_uninterrupted_one(tmp_path):
    # the decay starts at step 3 of 6, so the resumed half runs on the restored schedule
    small_run(tmp_path / "a").run(validate=False)
    small_run(tmp_path / "b").run(validate=False)
    for last in (tmp_path / "b" / "checkpoints").glob("step-0000006.pt"):
        last.unlink()
    Experiment.load(tmp_path / "b").resume(validate=False)
    a = torch.load(tmp_path / "a/checkpoints/step-0000006.pt", weights_only=True)
    b = torch.load(tmp_path / "b/checkpoints/step-0000006.pt", weights_only=True)
    assert a["game"].keys() == b["game"].keys()
    assert any("pool_B.samples" in k for k in a["game"])
    for key, value in a["game"].items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, b["game"][key]), key
        else:
            assert value == b["game"][key], key
    assert a["schedulers"] == b["schedulers"]
    lrs = [json.loads(line)["lr_G"] for line in (tmp_path / "b/metrics.jsonl").open()]
    assert lrs[2] == pytest.approx(2e-4) and lrs[-1] == 0.0


def test_paired_mode_needs_paired_data_and_trains_g_alone(tmp_path):
    with pytest.raises(ConfigError, match="game.paired=true trains on known pairs"):
        _ = small_run(tmp_path / "x", **{"game.paired": True}).game
    exp = small_run(tmp_path / "p", **{"game.paired": True, "data.paired": True})
    assert set(exp.game.players()) == {"G"}
    exp.run(validate=False)
    record = json.loads((tmp_path / "p/metrics.jsonl").read_text().splitlines()[-1])
    assert "loss_d" not in record and np.isfinite(record["loss_g"])


def test_conformance(tmp_path):
    rng = np.random.default_rng(0)
    for view in "ab":
        np.save(tmp_path / f"{view}.npy", rng.uniform(0, 4000, size=(8, 32, 32)).astype(np.uint16))
    params = {
        "fields": {"n_train": 32, "n_test": 8},
        "spectra": {"n_train": 32, "n_test": 8},
        "domains": {
            "a": str(tmp_path / "a.npy"),
            "b": str(tmp_path / "b.npy"),
            "test_fraction": 0.25,
        },
    }
    checked = check_plugin("cyclegan", tmp_path, dataset_params=params)
    assert set(checked["recipes"]) >= {"cyclegan-fields", "cyclegan-spectra", "cyclegan"}
    # the image folders are offered for 2-D data, 16-bit PNG for the uint16 domains only
    assert {".tiff on fields", ".tiff on domains", ".png on domains"} <= set(checked["formats"])
    assert not {".png on fields", ".tiff on spectra"} & set(checked["formats"])
