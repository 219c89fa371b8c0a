"""The plugin registry: lookups, conflicts, broken plugins, disabling."""

import pytest

from gansci import hookimpl
from gansci.errors import RegistryError
from gansci.registry import Registry, get_registry
from gansci.specs import Spec


def _spec(name):
    return Spec(name, f"the {name} dataset", lambda: None)


class Alpha:
    __version__ = "1.2"

    @hookimpl
    def gansci_datasets(self):
        return [_spec("shared"), _spec("alpha-only")]


class Beta:
    @hookimpl
    def gansci_datasets(self):
        return [_spec("shared"), _spec("beta-only")]


class BrokenBeta(Beta):
    @hookimpl
    def gansci_metrics(self):
        raise RuntimeError("boom while registering")


class Gamma:
    @hookimpl
    def gansci_datasets(self):
        return [_spec("gamma-set")]


def make(**plugins):
    return Registry(plugins=plugins, entry_points=False)


def test_unknown_name_lists_alternatives_and_their_plugins():
    reg = make(alpha=Alpha(), gamma=Gamma())
    with pytest.raises(RegistryError) as err:
        reg.get("datasets", "alpha-onyl")
    msg = str(err.value)
    assert "unknown dataset 'alpha-onyl'" in msg
    assert "Did you mean 'alpha-only'" in msg
    assert "gamma-set (gamma)" in msg and "shared (alpha)" in msg


def test_duplicate_name_names_both_plugins():
    reg = make(alpha=Alpha(), gamma=Gamma(), beta=Beta())
    with pytest.raises(RegistryError, match="registered by both plugins 'alpha' and 'beta'"):
        reg.get("datasets", "shared")
    assert reg.conflicts == {("datasets", "shared"): ["alpha", "beta"]}


def test_broken_plugin_is_reported_and_the_rest_still_work():
    reg = make(alpha=Alpha(), beta=BrokenBeta(), gamma=Gamma())
    assert "boom while registering" in reg.plugins["beta"].error
    assert reg.plugins["alpha"].error is None
    assert reg.get("datasets", "gamma-set").name == "gamma-set"
    assert reg.get("datasets", "shared") is not None  # beta's copy was withdrawn
    with pytest.raises(RegistryError, match="unknown dataset 'beta-only'"):
        reg.get("datasets", "beta-only")


def test_plugin_version_and_registrations_are_recorded():
    reg = make(alpha=Alpha())
    info = reg.plugins["alpha"]
    assert info.version == "1.2"
    assert info.registered["datasets"] == ["shared", "alpha-only"]


def test_disable_plugins_by_environment(monkeypatch):
    monkeypatch.setenv("GANSCI_DISABLE_PLUGINS", "gamma, alpha")
    reg = make(alpha=Alpha(), gamma=Gamma())
    assert reg.plugins == {}
    assert reg.names("datasets") == []


def test_builtin_is_found_through_its_entry_point(monkeypatch):
    reg = get_registry()
    assert reg.plugins["builtin"].error is None
    assert {"ring8", "grid25", "vectors"} <= set(reg.names("datasets"))
    monkeypatch.setenv("GANSCI_DISABLE_PLUGINS", "builtin")
    assert "builtin" not in Registry().plugins


def test_a_plugin_that_fails_to_import_is_broken_not_fatal(monkeypatch):
    from importlib import metadata

    real = metadata.entry_points

    class FakeEP:
        name, value, dist = "ghost", "no_such_module_xyz", None

        def load(self):
            import no_such_module_xyz  # noqa: F401

    def entry_points(group):
        return [*real(group=group), FakeEP()]

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    reg = Registry()
    assert "ModuleNotFoundError" in reg.plugins["ghost"].error
    assert reg.plugins["builtin"].error is None
    assert "grid25" in reg.names("recipes")


def test_builtin_conformance(tmp_path):
    import numpy as np

    from gansci.testing import check_plugin

    path = tmp_path / "x.npy"
    np.save(path, np.random.default_rng(0).standard_normal((100, 3)))
    checked = check_plugin("builtin", tmp_path, dataset_params={"vectors": {"path": str(path)}})
    assert "mlp on grid25" in checked["generators"]
    assert "modes on grid25" in checked["metrics"]
    assert checked["recipes"] == ["ring8", "grid25"]


class Misspelt:
    @hookimpl
    def gansci_datasets(self):
        return [_spec("fine")]

    def gansci_metric(self):  # the hook is gansci_metrics
        return []


class Unmarked:
    def gansci_metrics(self):
        return []


class NotAList:
    @hookimpl
    def gansci_datasets(self):
        return _spec("single")


@pytest.mark.parametrize(
    "plugin, message",
    [
        (Misspelt(), "gansci_metric is not a gansci hook; did you mean gansci_metrics?"),
        (Unmarked(), "gansci_metrics is not marked with @gansci.plugin.hookimpl"),
        (NotAList(), "gansci_datasets() raised TypeError: returned Spec, not a list of specs"),
    ],
)
def test_plugin_mistakes_are_reported_where_made_and_spare_the_others(plugin, message):
    reg = Registry(plugins={"mistaken": plugin, "gamma": Gamma()}, entry_points=False)
    assert message in reg.plugins["mistaken"].error
    assert reg.names("datasets") == ["gamma-set"]
