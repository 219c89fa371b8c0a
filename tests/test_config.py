"""Config: overrides reach every field; wrong keys and types name the key and the choices."""

import re

import pytest

from gansci import Experiment
from gansci.config import ExperimentConfig, overrides_to_dict, parse_override
from gansci.errors import ConfigError


def test_parse_override_values_are_toml_else_strings():
    assert parse_override("train.steps=2000") == ("train.steps", 2000)
    assert parse_override("train.betas=[0.0, 0.9]") == ("train.betas", [0.0, 0.9])
    assert parse_override("networks.D.spectral_norm=true") == ("networks.D.spectral_norm", True)
    assert parse_override("data.path=runs/x.npy") == ("data.path", "runs/x.npy")
    with pytest.raises(ConfigError, match="not of the form"):
        parse_override("train.steps")


def test_overrides_reach_fields_and_component_params():
    exp = Experiment.from_recipe(
        "grid25",
        **overrides_to_dict(
            [
                "train.steps=77",
                "train.players.D.lr=3e-3",
                "networks.G.hidden=64",
                "game.loss=hinge",
            ]
        ),
    )
    assert exp.config.train.steps == 77
    assert exp.config.train.player("D").lr == 3e-3
    assert exp.config.train.player("G").lr == 1e-3  # the recipe's train.lr
    assert exp.config.networks["G"].params["hidden"] == 64
    assert exp.config.game.params["loss"] == "hinge"


def test_version_1_keys_map_to_players_and_network_roles():
    exp = Experiment.from_recipe(
        "grid25",
        **overrides_to_dict(["train.lr_d=3e-3", "train.betas_g=[0.0, 0.9]", "generator.hidden=64"]),
    )
    assert exp.config.train.player("D").lr == 3e-3
    assert exp.config.train.player("G").betas == [0.0, 0.9]
    assert exp.config.networks["G"].params["hidden"] == 64
    # a version-1 override beats the recipe's version-2 value it maps onto
    assert exp.config.networks["G"].params["depth"] == 3
    assert "lr_d" not in exp.config.to_dict()["train"] and "[networks.G]" in exp.config.to_toml()


def test_an_unknown_player_or_role_is_one_line_naming_the_valid_ones():
    with pytest.raises(
        ConfigError, match=r"train.players.Q: game 'standard' has no player 'Q'; its players: D, G"
    ):
        _ = Experiment.from_recipe("grid25", **{"train.players.Q.lr": 1e-3}).game
    with pytest.raises(
        ConfigError, match=r"\[networks.C\]: game 'standard' has no role 'C'; its roles: G, D"
    ):
        Experiment.from_recipe("grid25", **{"networks.C.name": "mlp"})


def test_shared_roles_must_name_a_role_of_the_same_kind():
    with pytest.raises(ConfigError, match="networks.D.share: G is not a discriminator"):
        Experiment.from_recipe("grid25", **{"networks.D.share": "G"})


def test_int_is_accepted_where_float_is_expected():
    exp = Experiment.from_recipe("grid25", train={"lr": 1})
    assert isinstance(exp.config.train.lr, float)


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.stepz=5", "unknown key 'train.stepz'; valid keys: steps, batch_size"),
        ("train.steps=many", "train.steps must be int, got 'many'"),
        ("train.ema=yes", "train.ema must be float, got 'yes'"),
        ("networks.D.spectral_norm=1", "must be true or false"),
        (
            "networks.G.hiden=3",
            "networks.G: unknown key 'hiden'; valid keys: name, latent_dim, hidden",
        ),
        ("networks.G.hidden=2.5", "networks.G.hidden must be int"),
        ("train.lr=nan", "train.lr must be a finite positive number"),
        ("train.players.G.betas=[0.5, 0.9, 0.1]", "train.players.G.betas must be two numbers"),
        ("train.ema=2.0", "train.ema must be in [0, 1)"),
        ("game.n_critic=two", "game.n_critic must be int"),
        ("colour=blue", "unknown key 'colour'"),
    ],
)
def test_wrong_key_or_type_names_the_key_and_choices(override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Experiment.from_recipe("grid25", **overrides_to_dict([override]))


def test_unknown_component_and_metric_names():
    with pytest.raises(Exception, match="unknown generator 'gru'.*Known generators: .*mlp"):
        Experiment.from_recipe("grid25", generator={"name": "gru"})
    with pytest.raises(ConfigError, match="unknown metric"):
        Experiment.from_recipe("grid25", validate={"metrics": ["fid"]})
    with pytest.raises(Exception, match="unknown loss 'hing'.*Did you mean 'hinge'"):
        _ = Experiment.from_recipe("grid25", game={"loss": "hing"}).game


def test_toml_round_trip(tmp_path):
    exp = Experiment.from_recipe("ring8", seed=5, train={"steps": 12})
    exp.config.write(tmp_path / "config.toml")
    back = ExperimentConfig.from_toml(tmp_path / "config.toml")
    assert back == exp.config


def test_bad_toml_file_is_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[train\nsteps = 3")
    with pytest.raises(ConfigError, match=f"{path}: not valid TOML"):
        ExperimentConfig.from_toml(path)
    path.write_text("[train]\nsteps = 'x'\n")
    with pytest.raises(ConfigError, match=f"{path}: train.steps must be int"):
        ExperimentConfig.from_toml(path)


def test_cuda_requested_without_cuda_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is present")
    with pytest.raises(ConfigError, match="CUDA is not available"):
        Experiment.from_recipe("grid25", device="cuda")
