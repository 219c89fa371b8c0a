"""The VAE comparison game and a short end-to-end run of the lorenz recipe."""

import json

import numpy as np
import pytest
import torch
from gansci_lorenz.plugin import recipe_config

from gansci import Experiment, ExperimentConfig


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCI_CACHE", str(tmp_path / "cache"))


def test_lorenz_recipe_end_to_end(tmp_path):
    exp = Experiment.from_recipe(
        "lorenz",
        device="cpu",
        out=tmp_path / "run",
        **{
            "data.n_samples": 6000,
            "train.steps": 60,
            "train.log_every": 20,
            "validate.n_samples": 2000,
        },
    )
    exp.run()
    rows = {
        f"{r['metric']}.{r['key']}": r
        for r in json.loads((tmp_path / "run" / "validation.json").read_text())
    }
    for key in ("d2.d2", "d2.d2_real", "attractor.off_attractor", "attractor.coverage", "swd.swd"):
        assert np.isfinite(rows[key]["value"]), key
    assert abs(rows["d2.d2_real"]["baseline"] - 2.05) < 0.3  # 2,000 real points, coarse
    assert rows["attractor.off_attractor"]["baseline"] < 0.05
    report = (tmp_path / "run" / "report.md").read_text()
    for fig in ("attractor.png", "correlation_sum.png", "occupancy.png"):
        assert (tmp_path / "run" / "figures" / fig).is_file()
        assert fig in report


def test_vae_trains_and_samples_are_noisy(tmp_path):
    cfg = recipe_config("lorenz63", 3, 300)
    cfg["data"]["n_samples"] = 4000
    cfg["game"] = {"name": "vae", "hidden": 64, "depth": 2}
    del cfg["networks"]["D"]  # the VAE has one role, its decoder G
    cfg["train"].update(lr=1e-3, ema=0.0, log_every=100)
    exp = Experiment(ExperimentConfig.from_dict(cfg), tmp_path / "vae")
    assert set(exp.game.players()) == {"G"}
    exp.run(validate=False)
    log = [
        json.loads(line) for line in (tmp_path / "vae" / "metrics.jsonl").read_text().splitlines()
    ]
    assert log[-1]["loss_g"] < log[0]["loss_g"]
    a, b = exp.generate(500, seed=1), exp.generate(500, seed=1)
    assert torch.equal(a, b)
    sigma = exp.game.log_sigma.exp()
    assert (sigma > 0).all() and torch.isfinite(a).all()
