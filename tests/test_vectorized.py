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
from gansci.engine.stacked import Stacked
from gansci.engine.trainer import Trainer
from gansci.engine.vectorized import fit_vectorized
from gansci.errors import ConfigError, TrainingDiverged
from gansci.nets.mlp import MLPDiscriminator, spectral_norm_all


def seed_runs(tmp_path, seeds, small, recipe="grid25", name="v"):
    return [
        Experiment.from_recipe(recipe, seed=s, out=tmp_path / f"{name}{s}", **small) for s in seeds
    ]


def final_state(run_dir):
    return checkpoint.load(checkpoint.latest(run_dir / "checkpoints"))


def records(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").open()]


def test_stacked_networks_match_each_network_with_spectral_norm():
    torch.manual_seed(0)
    data = grid25(n=200)
    nets = [spectral_norm_all(MLPDiscriminator(data, hidden=16, depth=2)) for _ in range(3)]
    stacked = Stacked(nets)
    x = torch.randn(3, 10, 2)
    for _ in range(3):  # the power iteration advances the same way in both
        out = stacked(x.flatten(0, 1))
        ref = torch.cat([net(x[i]) for i, net in enumerate(nets)])
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-6)
    for i, net in enumerate(nets):
        torch.testing.assert_close(stacked.seed_state(i), net.state_dict())


@pytest.mark.parametrize("kind", sorted(PENALTIES))
def test_the_penalties_of_a_stacked_d_are_each_seeds_own(kind):
    torch.manual_seed(0)
    data = grid25(n=200)
    nets = [MLPDiscriminator(data, hidden=16, depth=2) for _ in range(3)]
    real, fake = torch.randn(3, 12, 2), torch.randn(3, 12, 2) * 2
    torch.manual_seed(1)
    got = PENALTIES[kind](Stacked(nets), real.flatten(0, 1), fake.flatten(0, 1))
    torch.manual_seed(1)  # the same draws by seed: DRAGAN's noise, then the mixing weights
    noise = torch.rand(3, 12, 2) if kind == "dragan" else None
    alpha = torch.rand(3, 12, 1)
    for i, net in enumerate(nets):
        if kind in ("r1", "r2"):
            expected = PENALTIES[kind](net, real[i], fake[i])
        else:
            other = real[i] + 0.5 * real[i].std() * noise[i] if kind == "dragan" else fake[i]
            x = (real[i] + alpha[i] * (other - real[i])).requires_grad_(True)
            (grad,) = torch.autograd.grad(net(x).sum(), x)
            excess = grad.norm(dim=1) - 1
            expected = (excess.clamp_min(0) if kind == "gp1" else excess).pow(2).mean()
        torch.testing.assert_close(got[i], expected, rtol=1e-5, atol=1e-7)


def recorded_draws(monkeypatch):
    """Every draw of SeedDraws, by kind, in order."""
    draws = {"index": [], "normal": []}
    original = vectorized.SeedDraws._next

    def record(self, key, draw):
        value = original(self, key, draw)
        draws[key[0]].append(value)
        return value

    monkeypatch.setattr(vectorized.SeedDraws, "_next", record)
    return draws


class Replay:
    """Seed ``i``'s rows of recorded draws, as a sequential game's data and latents."""

    def __init__(self, data, draws, i, n):
        self.data, self.device, self.rows = data, data.device, slice(i * n, (i + 1) * n)
        self.index, self.normal = iter(draws["index"]), iter(draws["normal"])

    def sample(self, n, view=None):
        return self.data.train[next(self.index)[self.rows]]

    def latent(self, n, generator=None, dim=None):
        return next(self.normal)[self.rows]


@pytest.mark.parametrize(
    "game, G, D, optimizer",
    [
        ({"loss": "ns", "penalty": "r1", "n_critic": 2, "label_smoothing": 0.1}, {}, {}, "adam"),
        (  # SGD: D's head bias has no gradient under a relativistic loss, and Adam would
            # turn the rounding noise in its place into steps of its learning rate
            {"loss": "ragan", "penalty": "r2"},
            {"components": 5},
            {"fourier_features": 8, "spectral_norm": True},
            "optimistic-sgd",
        ),
    ],
)
def test_vectorised_seeds_equal_sequential_runs_on_the_same_draws(
    tmp_path, small, monkeypatch, game, G, D, optimizer
):
    """Same initial weights, batches and latents: after 6 steps (gradient clipping, linear
    decay, EMA; n_critic 2, R1, label smoothing and Adam, or a relativistic loss, R2, a
    mixture latent, a spectrally normalised Fourier-feature D and optimistic SGD) every
    weight, optimiser state and logged statistic of each seed agrees with the sequential
    Trainer's run of that seed."""
    small["generator"].update(G)
    small["discriminator"].update(D)
    small["game"] = {**game, "penalty_weight": 1.0}
    small["train"].update(
        steps=6, log_every=3, checkpoint_every=6, ema=0.9, grad_clip=0.5, lr_schedule="linear"
    )
    small["train"]["optimizer"] = optimizer
    draws = recorded_draws(monkeypatch)
    fit_vectorized(seed_runs(tmp_path, [4, 5], small))
    for i, seed in enumerate([4, 5]):
        exp = Experiment.from_recipe("grid25", seed=seed, **small)
        replay = Replay(exp.data, draws, i, exp.config.train.batch_size)
        exp.game.latent = replay.latent
        (tmp_path / f"s{seed}").mkdir()
        Trainer(exp.config.train, tmp_path / f"s{seed}").fit(exp.game, replay)
        ours, ref = final_state(tmp_path / f"v{seed}"), final_state(tmp_path / f"s{seed}")
        torch.testing.assert_close(ours["game"], ref["game"], rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ours["optimizers"], ref["optimizers"], rtol=1e-4, atol=1e-6)
        assert ours["schedulers"] == ref["schedulers"]
        ours, ref = records(tmp_path / f"v{seed}"), records(tmp_path / f"s{seed}")
        for a, b in zip(ours, ref, strict=True):
            assert a.pop("kind") == b.pop("kind") and a == pytest.approx(b, rel=1e-4, abs=1e-5)


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
    original = vectorized.SeedDraws.normal
    calls = {"n": 0}

    def poisoned(self, n, dim):  # two latent draws a step: seed 1's from step 26 on
        z = original(self, n, dim)
        calls["n"] += 1
        return torch.cat([z[:n], torch.full_like(z[n:], float("nan"))]) if calls["n"] > 50 else z

    monkeypatch.setattr(vectorized.SeedDraws, "normal", poisoned)
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
