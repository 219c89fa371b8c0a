"""Contract version 2 through the public plugin API alone: a three-role translation game
between two unpaired 1-D Gaussian domains, trained, validated and asked to translate."""

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from gansci import Experiment
from gansci.plugin import (
    MLP,
    ConfigError,
    Dataset,
    Game,
    GameContext,
    MetricSpec,
    RecipeSpec,
    Spec,
    hookimpl,
    split_train_test,
)
from gansci.registry import Registry


def two_gaussians(n: int = 4000, seed: int = 0) -> Dataset:
    """View A ~ N(0, 1) and view B ~ N(3, 0.5²), drawn independently (unpaired)."""
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(n, 1, generator=g)
    b = 3 + 0.5 * torch.randn(n, 1, generator=g)
    (a_train, a_test), (b_train, b_test) = (split_train_test(x, 0.25, seed) for x in (a, b))
    return Dataset(
        {"A": a_train, "B": b_train}, {"A": a_test, "B": b_test}, ("vector",), views=("A", "B")
    )


class Translator(nn.Module):
    """x -> x + MLP(x): a translator between views of equal shape."""

    def __init__(self, data: Dataset, hidden: int = 32):
        super().__init__()
        self.net = MLP(1, 1, hidden, 2, "silu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class Critic(nn.Module):
    def __init__(self, data: Dataset, hidden: int = 32):
        super().__init__()
        self.net = MLP(1, 1, hidden, 2, "leaky_relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


@dataclass
class CycleOptions:
    loss: str = "ns"
    penalty: str = "r1"
    penalty_weight: float = 0.1
    cycle_weight: float = 1.0


class CycleToy(Game):
    """G_AB translates A to B against the critic D_B; G_BA brings translations back
    (cycle consistency), which leaves the monotone maps 3 ± 0.5x as the answers."""

    Options = CycleOptions
    roles = {"G_AB": "generators", "G_BA": "generators", "D_B": "discriminators"}
    generators = ("G_AB", "G_BA")
    directions = ("A2B", "B2A")

    def __init__(self, ctx: GameContext, options: CycleOptions):
        super().__init__()
        self.G_AB, self.G_BA, self.D_B = (ctx.network(r) for r in ("G_AB", "G_BA", "D_B"))
        self.loss, self.penalty = ctx.losses(options.loss), ctx.penalties(options.penalty)
        self.options = options

    def players(self):
        return {
            "G": [*self.G_AB.parameters(), *self.G_BA.parameters()],
            "D": list(self.D_B.parameters()),
        }

    def step(self, sample_real, players):
        a, b = sample_real("A"), sample_real("B")
        fake = self.G_AB(a)
        d_real, d_fake = self.D_B(b), self.D_B(fake.detach())
        pen = self.penalty(self.D_B, b, fake.detach())
        loss_d = self.loss.discriminator(d_real, d_fake) + self.options.penalty_weight * pen
        players["D"].step(loss_d)
        cycle = (self.G_BA(fake) - a).abs().mean() + (self.G_AB(self.G_BA(b)) - b).abs().mean()
        loss_g = self.loss.generator(self.D_B(fake), None) + self.options.cycle_weight * cycle
        players["G"].step(loss_g)
        return {"loss_d": loss_d.detach(), "loss_g": loss_g.detach(), "cycle": cycle.detach()}

    def translate(self, x, direction):
        return self.sampler("G_AB" if direction == "A2B" else "G_BA")(x)

    def generate(self, n, cond=None, generator=None):
        if cond is None:
            raise ConfigError("the cycle toy translates: give cond")
        return self.translate(cond, "A2B")


class ToyPlugin:
    @hookimpl
    def gansci_datasets(self):
        return [Spec("two_gaussians", "N(0,1) and N(3,0.25), unpaired", two_gaussians)]

    @hookimpl
    def gansci_generators(self):
        return [Spec("translator", "x + MLP(x)", Translator)]

    @hookimpl
    def gansci_discriminators(self):
        return [Spec("critic", "MLP critic", Critic)]

    @hookimpl
    def gansci_games(self):
        return [Spec("cycle_toy", "two translators and a critic", CycleToy)]

    @hookimpl
    def gansci_metrics(self):
        def target_view(samples, real, data, rng, view=None):
            return {"is_B": float(view == "B"), "mean": float(np.mean(samples))}

        return [MetricSpec("target_view", "the view it is told", target_view, ("vector",))]

    @hookimpl
    def gansci_recipes(self):
        config = {
            "data": {"name": "two_gaussians"},
            "networks": {
                "G_AB": {"name": "translator"},
                "G_BA": {"name": "translator"},
                "D_B": {"name": "critic"},
            },
            "game": {"name": "cycle_toy"},
            "train": {
                "steps": 2000,
                "batch_size": 128,
                "lr": 2e-3,
                "players": {"D": {"lr": 4e-3}},
                "lr_schedule": "linear",
                "ema": 0.99,
                "progress": False,
            },
            "validate": {"n_samples": 1000, "metrics": ["energy"]},
        }
        return [RecipeSpec("cycle_toy", "translate A to B", config)]


@pytest.fixture(scope="module")
def registry():
    return Registry(plugins={"toy": ToyPlugin()})


@pytest.fixture(scope="module")
def trained(registry, tmp_path_factory):
    out = tmp_path_factory.mktemp("contract") / "run"
    exp = Experiment.from_recipe("cycle_toy", seed=0, device="cpu", out=out, registry=registry)
    return exp.run()


def test_a_three_role_game_learns_an_unpaired_translation(trained):
    x = np.linspace(-2, 2, 401)[:, None]
    y = trained.translate(x, "A2B")
    error = min(np.abs(y - (3 + 0.5 * x)).mean(), np.abs(y - (3 - 0.5 * x)).mean())
    assert error < 0.1
    back = trained.translate(y, "B2A")
    assert np.abs(back - x).mean() < 0.1  # the inverse translator undoes it


def test_translation_game_is_validated_per_direction_and_reloads(trained, registry):
    rows = {f"{r.metric}.{r.key}": r for r in trained.validate(write_report=False)}
    assert set(rows) == {"A2B.energy.energy", "B2A.energy.energy"}
    assert rows["A2B.energy.energy"].value < 0.05
    again = Experiment.load(trained.run_dir, registry=registry)
    x = np.array([[0.0], [1.0]], dtype=np.float32)
    assert np.allclose(again.translate(x, "A2B"), trained.translate(x, "A2B"))


def test_a_metric_with_a_view_parameter_is_told_each_directions_target_view(trained, registry):
    exp = Experiment.load(
        trained.run_dir, registry=registry, **{"validate.metrics": ["target_view"]}
    )
    rows = {f"{r.metric}.{r.key}": r.value for r in exp.validate(write_report=False)}
    assert rows["A2B.target_view.is_B"] == 1.0 and rows["B2A.target_view.is_B"] == 0.0
    assert rows["A2B.target_view.mean"] == pytest.approx(3, abs=0.2)  # translations into B


def test_three_roles_three_optimisers_settings_by_player(trained):
    cfg = trained.config
    assert cfg.train.player("D").lr == 4e-3 and cfg.train.player("G").lr == 2e-3
    assert set(cfg.networks) == {"G_AB", "G_BA", "D_B"}
    assert "[networks.G_AB]" in (trained.run_dir / "config.toml").read_text()


def test_two_roles_can_share_one_module(registry):
    exp = Experiment.from_recipe(
        "cycle_toy", device="cpu", registry=registry, **{"networks.G_BA.share": "G_AB"}
    )
    assert exp.game.G_BA is exp.game.G_AB


def test_unknown_direction_and_player_are_clear_errors(trained, registry):
    with pytest.raises(ConfigError, match="unknown direction 'A2C'; valid: A2B, B2A"):
        trained.translate(np.zeros((2, 1)), "A2C")
    with pytest.raises(ConfigError, match="train.players.E: game 'cycle_toy' has no player"):
        _ = Experiment.from_recipe(
            "cycle_toy", device="cpu", registry=registry, **{"train.players.E.lr": 1.0}
        ).game
