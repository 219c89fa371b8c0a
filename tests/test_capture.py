"""train.capture: CUDA graphs of whole steps, their CPU fallback, and what they refuse."""

import dataclasses
import logging

import pytest
import torch
from torch import nn

from gansci import Experiment
from gansci.config import TrainConfig
from gansci.data import Dataset
from gansci.engine import capture, distributed
from gansci.engine.game import StandardGame
from gansci.engine.optim import OptimisticAdam
from gansci.engine.player import Player
from gansci.engine.trainer import Trainer
from gansci.errors import ConfigError


def grid25(small, device="cpu", **train):
    small["device"] = device
    small["train"].update(steps=20, log_every=5, **train)
    return Experiment.from_recipe("grid25", **small)


def train(exp, run_dir=None):
    if run_dir is not None:
        run_dir.mkdir()
    trainer = Trainer(exp.config.train, run_dir, exp.config.seed)
    trainer.fit(exp.game, exp.data)
    return trainer


def weights(game):
    return [t.detach().clone() for t in game.state_dict().values()]


def test_capture_on_the_cpu_trains_exactly_as_without(tmp_path, small, caplog):
    # grid25's recipe: R1 (double backward), EMA, a linear schedule: all that a graph holds
    eager = grid25(small)
    train(eager, tmp_path / "eager")
    flagged = grid25(small, capture="graphs")
    with caplog.at_level(logging.INFO, logger="gansci.engine.trainer"):
        trainer = train(flagged, tmp_path / "flagged")
    assert not trainer.graphs
    notes = [r.getMessage() for r in caplog.records if "capture" in r.getMessage()]
    assert notes == ["train.capture=graphs: no CUDA device (cpu), steps run eagerly"]
    for a, b in zip(weights(eager.game), weights(flagged.game), strict=True):
        assert torch.equal(a, b)
    logged = [(d / "metrics.jsonl").read_text() for d in (tmp_path / "eager", tmp_path / "flagged")]
    assert logged[0] == logged[1] and logged[0].count("\n") == 4


class OwnDraws(Dataset):
    def sample(self, n, generator=None, view=None):
        return super().sample(n, generator, view)


@pytest.mark.parametrize(
    "case, reason",
    [
        ("compile", "train.compile=true is another way to the same end: choose one"),
        ("game", "game Uncapturable's step is not declared capturable"),
        (
            "data",
            "OwnDraws.sample draws batches its own way, which a graph cannot replay with "
            "fresh rows",
        ),
        ("processes", "it is for one process (DDP's all-reduce is not replayed), not 2"),
    ],
)
def test_what_a_graph_cannot_hold_is_refused_on_any_device(small, monkeypatch, case, reason):
    exp = grid25(small, capture="graphs", compile=case == "compile")
    game, data = exp.game, exp.data
    if case == "game":
        game = type("Uncapturable", (StandardGame,), {"capturable": False})(game.G, game.D)
    if case == "data":
        data = OwnDraws(data.train, data.test)
    if case == "processes":
        monkeypatch.setattr(distributed, "world_size", lambda: 2)
    with pytest.raises(ConfigError) as err:
        Trainer(exp.config.train).fit(game, data)
    assert str(err.value) == f"train.capture=graphs: {reason}; use train.capture=none"


def test_unknown_capture_value_is_refused(small):
    with pytest.raises(ConfigError, match=r"^train.capture must be none or graphs, got 'cuda'$"):
        grid25(small, capture="cuda")


def test_optimistic_state_is_updated_in_place():
    # a graph of the step reads the previous delta from, and writes it to, one tensor
    w = nn.Parameter(torch.zeros(3))
    opt = OptimisticAdam([w], lr=0.1)
    held = []
    for g in (1.0, -2.0, 3.0):
        w.grad = torch.full((3,), g)
        opt.step()
        held.append(opt.state[w]["previous_delta"])
    assert held[1] is held[0] and held[2] is held[0]
    assert torch.all(held[2] < 0)  # the last step's delta (gradient 3: downhill)


def test_optimisers_on_the_cpu_are_not_fused():
    player = Player([nn.Parameter(torch.zeros(3))], TrainConfig().player("G"), capturable=True)
    assert not player.optimizer.defaults["fused"]
    assert not player.optimizer.defaults["capturable"]


def test_a_saved_optimiser_state_keeps_the_loading_players_own_implementation():
    # a captured CUDA run saves fused, capturable groups; resumed on the CPU they are not
    settings = TrainConfig().player("G")
    w = nn.Parameter(torch.ones(3))
    saver = Player([w], settings)
    w.grad = torch.ones(3)
    saver.optimizer.step()
    state = saver.optimizer.state_dict()
    state["param_groups"][0].update(fused=True, capturable=True)
    loader = Player([w], settings)
    loader.load_state(state)
    group = loader.optimizer.param_groups[0]
    assert not group["fused"] and not group["capturable"]
    loader.optimizer.step()  # a capturable group would refuse CPU parameters here
    assert loader.optimizer.state[w]["step"].item() == 2


# -- on a GPU ---------------------------------------------------------------------------------


@pytest.mark.gpu
def test_optimisers_on_cuda_are_fused_and_capturable_when_asked():
    param = [nn.Parameter(torch.zeros(3, device="cuda"))]
    for optimizer in ("adam", "optimistic-adam", "sgd"):
        for graphs in (False, True):
            player = Player(param, TrainConfig().player("G"), optimizer, capturable=graphs)
            assert player.optimizer.defaults["fused"]
            if "adam" in optimizer:
                assert player.optimizer.defaults["capturable"] == graphs


@pytest.mark.gpu
@pytest.mark.parametrize("amp", [False, True])
def test_captured_steps_match_eager_steps(small, amp):
    """Fused Adam either way; the graph reads the learning rate from a float32 tensor and
    draws its batches and latents from the same Philox stream as the eager steps."""
    ends, starts = {}, {}
    for mode in ("none", "graphs"):
        exp = grid25(small, "cuda", capture=mode, amp=amp)
        starts[mode] = weights(exp.game)
        trainer = train(exp)
        assert trainer.graphs == (mode == "graphs")
        ends[mode] = weights(exp.game)
    for a, b in zip(starts["none"], starts["graphs"], strict=True):
        assert torch.equal(a, b)
    moved = max(
        (e - s).abs().max().item() for e, s in zip(ends["none"], starts["none"], strict=True)
    )
    gap = max((a - b).abs().max().item() for a, b in zip(ends["none"], ends["graphs"], strict=True))
    assert moved > 1e-3  # 20 steps, 17 of them replays, linear schedule
    assert gap < 1e-4, f"captured vs eager after 20 steps: {gap:.2e} (weights moved {moved:.2e})"


@pytest.mark.gpu
def test_captured_steps_never_wait_on_the_device(small, host_syncs):
    exp = grid25(small, "cuda", capture="graphs", steps=60, log_every=20, checkpoint_every=60)
    game, data = exp.game, exp.data  # built (and copied to the device) before watching
    trainer = Trainer(dataclasses.replace(exp.config.train, progress=False))
    synced_at = host_syncs(trainer, game, data)
    assert trainer.graphs
    # the capture itself synchronises once, before the first replay
    assert set(synced_at) <= {capture.WARMUP, 20, 40, 60}, f"host syncs at steps {synced_at}"
    assert {20, 40, 60} <= set(synced_at)


@pytest.mark.gpu
def test_an_eager_checkpoint_resumes_under_capture(tmp_path, small):
    eager = grid25(small, "cuda", checkpoint_every=10)
    train(eager, tmp_path / "eager")  # 20 steps, checkpoints at 10 and 20
    resumed = grid25(small, "cuda", capture="graphs", checkpoint_every=10)
    trainer = Trainer(resumed.config.train, None, resumed.config.seed)
    trainer.fit(resumed.game, resumed.data, tmp_path / "eager/checkpoints/step-0000010.pt")
    assert trainer.graphs and trainer.step == 20
    gap = max(
        (a - b).abs().max().item()
        for a, b in zip(weights(eager.game), weights(resumed.game), strict=True)
    )
    assert gap < 1e-4, f"eager 20 steps vs eager 10 + captured 10: {gap:.2e}"
