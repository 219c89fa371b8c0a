"""The plugin of docs/writing-a-plugin.md, as written there, passes the conformance kit."""

import importlib.util
from pathlib import Path

from gansci import Experiment
from gansci.plugin import check_plugin
from gansci.registry import Registry

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "double_well.py"


def load_guide_plugin():
    spec = importlib.util.spec_from_file_location("double_well", GUIDE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guides_plugin_is_short_and_passes_check_plugin(tmp_path):
    assert len(GUIDE.read_text().splitlines()) < 60
    reg = Registry(plugins={"double_well": load_guide_plugin()})
    checked = check_plugin("double_well", tmp_path, registry=reg)
    assert checked["recipes"] == ["double_well"]
    assert "barrier on double_well" in checked["metrics"]


def test_the_guides_recipe_learns_both_wells(tmp_path):
    reg = Registry(plugins={"double_well": load_guide_plugin()})
    exp = Experiment.from_recipe(
        "double_well", device="cpu", out=tmp_path / "run", registry=reg,
        train={"steps": 1500, "progress": False},
    )  # fmt: skip
    exp.run(validate=False)
    v = {f"{r.metric}.{r.key}": r for r in exp.validate(write_report=False)}
    assert 0.35 < v["barrier.right"].value < 0.65  # both wells, about equally
    assert v["barrier.barrier_mass"].value < 3 * v["barrier.barrier_mass"].baseline + 0.02
