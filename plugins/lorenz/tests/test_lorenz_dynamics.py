"""The transition game: a GAN of the map, iterated to sample the invariant measure."""

import numpy as np
import pytest
import torch
from gansci_lorenz import datasets
from gansci_lorenz.dynamics import MapGenerator

from gansci import Experiment
from gansci.plugin import ConfigError, batch_len


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCI_CACHE", str(tmp_path / "cache"))


def test_transitions_are_consecutive_iterates_with_whole_orbits_held_out():
    data = datasets.henon(n_samples=3000, n_trajectories=20, transitions=True)
    assert data.train.shape[1:] == (2, 2) and "transitions" in data.domains
    assert data.n_test == 7 * 149  # round(20 / 3) orbits of 150 points: 149 pairs each

    x, y = data.to_data_units(data.train).numpy().transpose(1, 0, 2)
    np.testing.assert_allclose(y[:, 0], 1 - 1.4 * x[:, 0] ** 2 + x[:, 1], atol=1e-5)
    np.testing.assert_allclose(y[:, 1], 0.3 * x[:, 0], atol=1e-5)
    train_states = {tuple(r) for r in data.train[:, 0].numpy()}
    assert not any(tuple(r) in train_states for r in data.test[:, 0].numpy())
    assert data.decode(data.test).shape == (data.n_test, 2)


def test_map_generator_and_transition_game_refuse_point_data():
    point_data = {"data.transitions": False, "data.n_samples": 3000}
    with pytest.raises(ConfigError, match="data.transitions=true"):
        _ = Experiment.from_recipe("henon", device="cpu", **point_data).game
    with pytest.raises(ConfigError, match="game 'transition' trains on transitions"):
        _ = Experiment.from_recipe(
            "lorenz", device="cpu", **point_data, **{"game.name": "transition"}
        ).game


def small_henon(tmp_path, seed=0, **extra):
    overrides = {
        "data.n_samples": 6000,
        "data.n_trajectories": 20,
        "generator.hidden": 64,
        "discriminator.hidden": 64,
        "train.batch_size": 256,
        "train.progress": False,
        **extra,
    }
    return Experiment.from_recipe(
        "henon", seed=seed, device="cpu", out=tmp_path / "run", **overrides
    )


def test_samples_are_seeded_orbits_of_the_learned_map(tmp_path):
    exp = small_henon(tmp_path, **{"train.steps": 20, "game.burn_in": 5, "game.orbits": 8})
    exp.run(validate=False)
    pairs = exp.generate(100, seed=1)
    assert pairs.shape == (100, 2, 2) and torch.isfinite(pairs).all()
    per_orbit = 100 // 8 + 1  # 14 states, 13 pairs an orbit, orbit after orbit
    chained = [i for i in range(99) if i % per_orbit != per_orbit - 1]
    assert torch.equal(pairs[chained, 1], pairs[[i + 1 for i in chained], 0])
    assert torch.equal(exp.generate(100, seed=1), pairs)
    assert not torch.equal(exp.generate(100, seed=2), pairs)
    G = exp.game.G  # the generator's own samples have the dataset's structure
    assert G(torch.randn(5, G.latent_dim)).shape == (5, *exp.data.train.shape[1:])


def test_transition_game_learns_the_map_with_an_mlp(tmp_path):
    # Seed 2: since the data are standardised by the training split's statistics (0.5 %
    # from the former all-points ones), seed 0 of this short GAN stalls at half the
    # identity error; seeds 1-4 learn the map (median error 0.006-0.05, identity 1.8).
    exp = small_henon(
        tmp_path,
        seed=2,
        **{
            "generator.depth": 3,
            "generator.degree": 1,
            "train.steps": 2000,
            "train.lr_g": 1e-3,
            "train.lr_d": 1e-3,
            "train.ema": 0.0,
        },
    )
    exp.run(validate=False)
    real = exp.data.test[:2000]
    G = exp.game.G
    with torch.no_grad():
        step = G.step(real[:, 0], torch.randn(batch_len(real), G.noise_dim))
    error = (step - real[:, 1]).norm(dim=1).median()
    identity_error = (real[:, 0] - real[:, 1]).norm(dim=1).median()  # the untrained map
    assert error < 0.05 * identity_error, (float(error), float(identity_error))


def test_unknown_transition_game_option_is_a_clear_error():
    with pytest.raises(ConfigError, match="game: unknown key 'foo'; valid keys: name, loss"):
        _ = Experiment.from_recipe("henon", device="cpu", **{"game.foo": 1}).game


def test_quadratic_map_generator_holds_the_henon_map_exactly():
    data = datasets.henon(n_samples=3000, n_trajectories=20, transitions=True)
    G = MapGenerator(data, latent_dim=0, depth=0, degree=2)
    x, y = data.train[:, 0].double(), data.train[:, 1].double()
    phi = torch.cat([G.features(x, x[:, :0]), torch.ones(len(x), 1, dtype=x.dtype)], 1)
    assert phi.shape[1] == 2 + 3 + 1  # x, y; x², xy, y²; a constant
    coef = torch.linalg.lstsq(phi, y - x).solution.float()
    with torch.no_grad():
        G.net[0].weight.copy_(coef[:-1].T)
        G.net[0].bias.copy_(coef[-1])
    error = (G.step(data.test[:, 0], data.test[:, :0, 0]) - data.test[:, 1]).norm(dim=1)
    assert error.max() < 1e-5
    with pytest.raises(ConfigError, match="degree must be >= 1, got 0"):
        MapGenerator(data, degree=0)


def test_orbits_start_from_distinct_states_and_need_enough_of_them(tmp_path):
    exp = small_henon(tmp_path, **{"train.steps": 1, "game.burn_in": 0, "game.orbits": 64})
    pairs = exp.generate(64 * 3, seed=0)  # 64 orbits, three pairs each, from 64 starts
    starts = pairs.reshape(64, 3, 2, 2)[:, 0, 0]
    assert len(torch.unique(starts, dim=0)) == 64
    with pytest.raises(ConfigError, match="orbits <= n_starts .* got burn_in=200, orbits=65"):
        _ = small_henon(tmp_path, **{"game.orbits": 65, "game.n_starts": 64}).game
