"""Reduced runs of the game-dynamics experiments (experiments/*.py), asserting their claims."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Small networks: one thread is as fast, and does not fight the other tests for cores."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXPERIMENTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- 1. the bilinear game --------------------------------------------------------------


def reference_path(scheme: str, n_steps: int, lr: float, x: float, y: float) -> np.ndarray:
    """The four schemes written out by hand on min_x max_y xy (grad_x = y, grad_y = x)."""
    path = [(x, y)]
    prev_gx = prev_gy = 0.0  # the optimistic optimiser's first step is twice a plain one
    for _ in range(n_steps):
        if scheme == "simultaneous":
            x, y = x - lr * y, y + lr * x
        elif scheme == "alternating":
            x = x - lr * y
            y = y + lr * x
        elif scheme == "extragradient":
            xh, yh = x - lr * y, y + lr * x
            x, y = x - lr * yh, y + lr * xh
        else:
            gx, gy = y, x
            x, y = x - lr * (2 * gx - prev_gx), y + lr * (2 * gy - prev_gy)
            prev_gx, prev_gy = gx, gy
        path.append((x, y))
    return np.array(path)


@pytest.mark.parametrize("scheme", ["simultaneous", "alternating", "extragradient", "optimistic"])
def test_players_follow_the_update_schemes_exactly(scheme):
    bilinear = load("bilinear_game")
    got = bilinear.play(scheme, n_steps=200, lr=0.2, start=(1.0, -0.5))
    want = reference_path(scheme, 200, 0.2, 1.0, -0.5)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_bilinear_distances_match_theory_and_claims():
    bilinear = load("bilinear_game")
    n, lr = 300, 0.2
    paths = {s: bilinear.play(s, n, lr) for s in bilinear.SCHEMES}
    r0 = math.sqrt(2)
    radius = {s: np.hypot(p[-1, 0], p[-1, 1]) for s, p in paths.items()}
    # the linear maps' spectral radii: sqrt(1 + lr^2) and sqrt(1 - lr^2 + lr^4)
    assert radius["simultaneous"] == pytest.approx(r0 * (1 + lr**2) ** (n / 2), rel=1e-9)
    assert radius["extragradient"] == pytest.approx(r0 * (1 - lr**2 + lr**4) ** (n / 2), rel=1e-9)
    assert radius["optimistic"] < 0.05 * r0
    r_alt = np.hypot(paths["alternating"][:, 0], paths["alternating"][:, 1])
    assert 0.7 * r0 < r_alt.min() and r_alt.max() < 1.3 * r0
    assert bilinear.check(paths) == []


def test_bilinear_check_flags_a_scheme_that_misbehaves(tmp_path):
    bilinear = load("bilinear_game")
    paths = {s: bilinear.play(s, 300, 0.2) for s in bilinear.SCHEMES}
    paths["extragradient"] = paths["alternating"]  # an orbit is not convergence
    failures = bilinear.check(paths)
    assert len(failures) == 1 and "extragradient" in failures[0]
    bilinear.plot(paths, tmp_path / "bilinear.png")
    assert (tmp_path / "bilinear.png").stat().st_size > 10_000


# -- 2. the optimal discriminator --------------------------------------------------------


@pytest.fixture(scope="module")
def optimal():
    od = load("optimal_discriminator")
    D = od.train_discriminator(n_steps=600, batch_size=1024, seed=1)
    return od, D, od.compare(D)


def test_trained_discriminator_matches_the_optimal_one(optimal):
    od, D, r = optimal
    assert r["max_abs_error"] <= 0.03
    assert r["identity_gap"] <= 1e-3
    # D* maximises V: the trained D may come close, never past it (up to quadrature)
    assert r["V(D*,G)"] - 2e-3 < r["V(D,G) trained"] <= r["V(D*,G)"] + 1e-6
    assert od.check(r) == []


def test_optimal_value_is_two_jsd_minus_log_four(optimal):
    od, _, r = optimal
    js = r["JSD"]
    assert 0 < js < math.log(2)
    assert r["V(D*,G)"] == pytest.approx(2 * js - math.log(4), abs=1e-3)
    assert r["V(D*,G) on grid"] == pytest.approx(r["V(D*,G)"], abs=1e-6)
    # D* itself at a few points, from the two normal densities
    x = np.array([-1.0, 0.0, 1.0, 2.5])
    p = np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)
    mu, s = od.FAKE
    q = np.exp(-((x - mu) ** 2) / (2 * s**2)) / (s * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(od.optimal_d(x), p / (p + q), rtol=1e-12)


def test_barely_trained_discriminator_fails_the_check(optimal, tmp_path):
    od, D, r = optimal
    untrained = od.train_discriminator(n_steps=5, seed=2)
    failures = od.check(od.compare(untrained))
    assert any("max |D - D*|" in f for f in failures)
    od.plot(D, r, tmp_path / "od.png")
    assert (tmp_path / "od.png").stat().st_size > 10_000


# -- 3. saturation --------------------------------------------------------------------


@pytest.fixture(scope="module")
def saturation():
    sat = load("saturation")
    pre, games = sat.run(pretrain_steps=400, game_steps=60, seed=0)
    return sat, pre, games


def test_minimax_gradient_vanishes_against_a_strong_discriminator(saturation):
    sat, pre, games = saturation
    assert pre["d_fake"][-1] < 0.01  # D rejects the fakes confidently
    assert pre["minimax"][0] == pytest.approx(pre["ns"][0], rel=0.5)  # untrained D: alike
    assert pre["minimax"][-1] < 0.01 * pre["ns"][-1]
    assert pre["ns"][-1] > 10 * pre["ns"][0]
    sgd_mm, sgd_ns = games["sgd", "minimax"]["grad_norm"], games["sgd", "ns"]["grad_norm"]
    assert np.median(sgd_mm) < 0.05 * np.median(sgd_ns)
    assert sat.check(pre, games) == []


def test_games_start_from_the_same_point(saturation):
    _, _, games = saturation
    first = {key: g["grad_norm"][0] for key, g in games.items()}
    logit = {key: g["d_fake_logit"][0] for key, g in games.items()}
    # same weights and random stream: the first D step is the same in every game
    assert len({round(v, 5) for v in logit.values()}) == 1
    for loss in ("minimax", "ns"):
        assert first["sgd", loss] == pytest.approx(first["adam", loss], rel=0.05)


def test_saturation_check_and_plot(saturation, tmp_path):
    sat, pre, games = saturation
    swapped = dict(games)
    swapped["sgd", "minimax"], swapped["sgd", "ns"] = games["sgd", "ns"], games["sgd", "minimax"]
    assert any("SGD game" in f for f in sat.check(pre, swapped))
    sat.plot(pre, games, tmp_path / "sat.png")
    assert (tmp_path / "sat.png").stat().st_size > 10_000


# -- 4. mode collapse and its cures on grid25 --------------------------------------------


def test_each_cure_changes_only_its_stabiliser(small):
    from gansci import Experiment
    from gansci.nets.packing import Packed

    cures = load("mode_collapse_cures").CURES
    games = {name: Experiment.from_recipe("grid25", **small, **o).game for name, o in cures.items()}
    assert games["ns"].penalty is None and games["r1"].penalty is not None
    assert games["r1"].penalty.fn is not games["wgan-gp"].penalty.fn
    assert games["wgan-gp"].penalty_weight == 10.0
    assert games["wgan-gp"].loss.description.startswith("Wasserstein GAN with gradient")
    assert games["wgan-gp5"].n_critic == 5 and games["wgan-gp5"].penalty_weight == 0.1
    assert games["wgan-gp"].n_critic == games["ns"].n_critic == 1
    assert isinstance(games["packing"].D, Packed) and games["packing"].penalty is None
    sn = [m for m in games["sn"].D.modules() if hasattr(m, "parametrizations")]
    assert sn and games["sn"].penalty is None
    assert not any(hasattr(m, "parametrizations") for m in games["ns"].D.modules())


def test_cure_table_runs_tabulates_and_resumes(tmp_path):
    cures = load("mode_collapse_cures")
    argv = ["--cures", "ns", "packing", "--seeds", "0", "--steps", "30", "--out", str(tmp_path)]
    argv += ["--figure", str(tmp_path / "cures.png")]
    # 30 steps capture few modes: no cure meets the claim, and the exit status says so
    assert cures.main(argv) == 1
    table = (tmp_path / "cures.md").read_text()
    assert "| ns |" in table and "| packing |" in table and "| r1 |" not in table
    assert (tmp_path / "cures.png").stat().st_size > 0
    row = tmp_path / "ns-seed0" / "row.json"
    before = row.stat().st_mtime_ns
    cures.main(argv)  # every row is reused, not retrained
    assert row.stat().st_mtime_ns == before
