"""Vectorised seeds: the same step as the sequential game, the same run folders, the same
statistics; refused where it cannot vectorise."""

import json
import statistics

import numpy as np
import pytest
import torch

from gansci import Experiment, metrics
from gansci.builtin.mixtures import grid25
from gansci.engine import checkpoint, vectorized
from gansci.engine.penalties import PENALTIES
from gansci.engine.player import Player
from gansci.engine.vectorized import StackedNet, fit_vectorized, penalty_per_seed
from gansci.errors import ConfigError, TrainingDiverged
from gansci.nets.mlp import MLPDiscriminator, spectral_norm_all


def seed_runs(tmp_path, seeds, small, recipe="grid25", name="v"):
    return [
        Experiment.from_recipe(recipe, seed=s, out=tmp_path / f"{name}{s}", **small) for s in seeds
    ]


def final_state(run_dir):
    return checkpoint.load(checkpoint.latest(run_dir / "checkpoints"))


def test_stacked_net_matches_each_network_with_spectral_norm():
    torch.manual_seed(0)
    data = grid25(n=200)
    nets = [spectral_norm_all(MLPDiscriminator(data, hidden=16, depth=2)) for _ in range(3)]
    stacked = StackedNet(nets)
    x = torch.randn(3, 10, 2)
    for _ in range(3):  # the power iteration advances the same way in both
        out = stacked(x)
        ref = torch.stack([net(x[i]) for i, net in enumerate(nets)])
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
    for i, net in enumerate(nets):
        for name, buf in net.named_buffers():
            torch.testing.assert_close(stacked.buffers[name][i], buf)


@pytest.mark.parametrize("kind", ["r1", "r2", "gp", "gp1", "dragan"])
def test_penalties_per_seed_equal_the_core_penalties(kind):
    torch.manual_seed(0)
    data = grid25(n=200)
    nets = [MLPDiscriminator(data, hidden=16, depth=2) for _ in range(2)]
    real, fake = torch.randn(2, 12, 2), torch.randn(2, 12, 2)
    expected, alphas, noises = [], [], []
    for i, net in enumerate(nets):
        torch.manual_seed(10 + i)
        expected.append(PENALTIES[kind](net, real[i], fake[i]))
        torch.manual_seed(10 + i)  # the core draws DRAGAN's noise, then the mixing weights
        noises.append(torch.rand_like(real[i]) if kind == "dragan" else None)
        alphas.append(torch.rand(12))
    noise = torch.stack(noises) if kind == "dragan" else None
    got = penalty_per_seed(kind, StackedNet(nets), real, fake, torch.stack(alphas), noise)
    torch.testing.assert_close(got, torch.stack(expected), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("components, fourier_features", [(0, 0), (5, 8)])
def test_vectorised_steps_equal_sequential_game_steps_on_the_same_draws(
    tmp_path, small, monkeypatch, components, fourier_features
):
    """Same initial weights, batches and latents: after 6 steps (n_critic 2, R1, label
    smoothing, gradient clipping, linear decay, EMA; plain networks, and a mixture latent
    with a Fourier-feature D) every weight and Adam moment agrees with the standard game
    stepped one seed at a time."""
    small["generator"] = {**small["generator"], "components": components}
    small["discriminator"] = {**small["discriminator"], "fourier_features": fourier_features}
    small["train"].update(
        steps=6, log_every=3, checkpoint_every=6, ema=0.9, grad_clip=0.5, lr_schedule="linear"
    )
    small["game"] = {"loss": "ns", "penalty": "r1", "penalty_weight": 1.0, "n_critic": 2}
    small["game"]["label_smoothing"] = 0.1
    draws = []
    original = vectorized._Draws.next

    def recorded(self):
        r = original(self)
        draws.append(r)
        return r

    monkeypatch.setattr(vectorized._Draws, "next", recorded)
    fit_vectorized(seed_runs(tmp_path, [4, 5], small))
    for i, seed in enumerate([4, 5]):
        exp = Experiment.from_recipe("grid25", seed=seed, **small)
        game, cfg, data = exp.game, exp.config.train, exp.data
        players = {
            name: Player(list(net.parameters()), cfg.player(name), cfg.optimizer, cfg.steps)
            for name, net in (("G", game.G), ("D", game.D))
        }
        for r in draws:
            reals = iter(data.train[r["index"][i, c]] for c in range(2))
            latents = iter([r["z_d"][i, 0], r["z_d"][i, 1], r["z_g"][i]])
            game.latent = lambda n, generator=None, it=latents: next(it)
            game.step(lambda it=reals: next(it), players)
            game.update_ema()
            for p in players.values():
                p.scheduler.step()
        state = final_state(tmp_path / f"v{seed}")
        for key, value in game.state_dict().items():
            torch.testing.assert_close(state["game"][key], value, rtol=1e-4, atol=1e-5)
        for name, player in players.items():
            ours = state["optimizers"][name]["state"]
            for k, s in player.optimizer.state_dict()["state"].items():
                torch.testing.assert_close(ours[k]["exp_avg"], s["exp_avg"], rtol=1e-4, atol=1e-6)
                assert float(ours[k]["step"]) == float(s["step"]) == 6 * (2 if name == "D" else 1)


def test_seed_folders_match_the_sequential_layout_validate_and_resume(tmp_path, small):
    small["train"].update(ema=0.9, eval_every=20, eval_metrics=["modes"])
    fit_vectorized(seed_runs(tmp_path, [0, 1], small))
    Experiment.from_recipe("grid25", seed=0, out=tmp_path / "seq", **small).run(validate=False)
    seq, vec = final_state(tmp_path / "seq"), final_state(tmp_path / "v1")
    assert vec.keys() == seq.keys()
    assert vec["game"].keys() == seq["game"].keys()
    for name in seq["optimizers"]:
        a, b = seq["optimizers"][name], vec["optimizers"][name]
        assert a["state"].keys() == b["state"].keys()
        assert all(a["state"][k].keys() == b["state"][k].keys() for k in a["state"])
        assert a["param_groups"] == b["param_groups"]
        assert a["state"][0]["exp_avg"].shape == b["state"][0]["exp_avg"].shape
    assert seq["schedulers"] == vec["schedulers"]

    def records(path):
        return [json.loads(line) for line in (path / "metrics.jsonl").open()]

    seq_log, vec_log = records(tmp_path / "seq"), records(tmp_path / "v1")
    assert [(r["step"], r["kind"], sorted(r)) for r in vec_log] == [
        (r["step"], r["kind"], sorted(r)) for r in seq_log
    ]
    assert (tmp_path / "v1" / "samples" / "step-0000040.npy").is_file()
    exp = Experiment.load(tmp_path / "v1")
    rows = {(r.metric, r.key): r.value for r in exp.validate()}
    assert 0 <= rows[("modes", "high_quality")] <= 1
    # resumed from step 20 (the linear schedule of a finished run has decayed to zero)
    (tmp_path / "v1" / "checkpoints" / "step-0000040.pt").unlink()
    Experiment.load(tmp_path / "v1").resume(validate=False)
    assert final_state(tmp_path / "v1")["step"] == 40


def test_a_seed_trains_the_same_whatever_seeds_train_beside_it(tmp_path, small):
    fit_vectorized(seed_runs(tmp_path, [3], small, name="alone"))
    fit_vectorized(seed_runs(tmp_path, [1, 3, 7], small, name="with"))
    a, b = final_state(tmp_path / "alone3"), final_state(tmp_path / "with3")
    for key in a["game"]:
        torch.testing.assert_close(a["game"][key], b["game"][key], rtol=1e-4, atol=1e-5)
    c = final_state(tmp_path / "with1")
    assert not torch.allclose(c["game"]["G.net.0.weight"], b["game"]["G.net.0.weight"])


def test_a_diverged_seed_is_named_and_the_others_finish(tmp_path, small, monkeypatch):
    original = vectorized._Draws.next
    calls = {"n": 0}

    def poisoned(self):
        r = original(self)
        calls["n"] += 1
        if calls["n"] > 25:
            r = dict(r, z_g=r["z_g"].clone())
            r["z_g"][1] = float("nan")
        return r

    monkeypatch.setattr(vectorized._Draws, "next", poisoned)
    with pytest.raises(TrainingDiverged, match=r"1 of 2 seeds.*v1.*step 26"):
        fit_vectorized(seed_runs(tmp_path, [0, 1], small))
    assert final_state(tmp_path / "v0")["step"] == 40
    assert final_state(tmp_path / "v1")["step"] == 20


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"discriminator.packing": 2}, "networks.D.packing"),
        ({"game.update": "extragradient"}, "game.update='extragradient'"),
        ({"game.objective": "feature_matching"}, "game.objective"),
        ({"train.amp": True}, "train.amp"),
    ],
)
def test_configs_it_cannot_vectorise_are_refused(tmp_path, small, overrides, message):
    exps = seed_runs(tmp_path, [0, 1], {**small, **overrides})
    with pytest.raises(ConfigError, match=message):
        fit_vectorized(exps)
    assert not (tmp_path / "v0").exists()


def test_seeds_must_share_one_config_and_have_own_folders(tmp_path, small):
    a = Experiment.from_recipe("grid25", seed=0, out=tmp_path / "a", **small)
    b = Experiment.from_recipe("grid25", seed=1, out=tmp_path / "b", **small, **{"train.lr_g": 1.0})
    with pytest.raises(ConfigError, match="more than the seed"):
        fit_vectorized([a, b])
    c = Experiment.from_recipe("grid25", seed=0, out=tmp_path / "c", **small)
    with pytest.raises(ConfigError, match="seeds must differ"):
        fit_vectorized([a, c])
    d = Experiment.from_recipe("grid25", seed=2, **small)
    with pytest.raises(ConfigError, match="own run folder"):
        fit_vectorized([a, d])


def test_vectorised_seeds_train_as_far_as_sequential_seeds(tmp_path, small):
    """4 seeds of a short ring8 run, vectorised and one after another: the sliced
    Wasserstein distance to held-out data falls as far in both (different random streams,
    so the comparison is of the seed averages)."""
    small["generator"] = {"hidden": 64, "depth": 2, "components": 0}
    small["discriminator"] = {"hidden": 64, "depth": 2}
    small["train"].update(steps=300, lr_g=1e-3, lr_d=1e-3, ema=0.0, checkpoint_every=300)
    seeds = [0, 1, 2, 3]
    vec = seed_runs(tmp_path, seeds, small, recipe="ring8", name="v")
    fit_vectorized(vec)
    seq = seed_runs(tmp_path, seeds, small, recipe="ring8", name="s")
    for e in seq:
        e.run(validate=False)

    def swd(e):
        fake, real = e.sample(1000, seed=1), e.data.decode(e.data.split("test", 1000))
        return metrics.sliced_wasserstein(fake, real, np.random.default_rng(0))["swd"]

    untrained = swd(Experiment.from_recipe("ring8", seed=0, **small))
    v, s = [swd(e) for e in vec], [swd(e) for e in seq]
    assert statistics.mean(v) < 0.6 * untrained and statistics.mean(s) < 0.6 * untrained, (v, s)
    assert abs(statistics.mean(v) - statistics.mean(s)) < 0.25, (v, s)
