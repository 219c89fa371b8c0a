"""The report's translations figure: which samples each column holds, for each direction,
and that the report draws it once per direction for fields and signals alike."""

import numpy as np
import pytest
from gansci_cyclegan import figures
from gansci_cyclegan.data import Domains
from gansci_cyclegan.fields import fields
from gansci_cyclegan.figures import columns, translation_grid
from PIL import Image

from gansci import Experiment
from gansci.plugin import KNOWN_PAIRS


@pytest.mark.parametrize("view, source", [("B", "A"), ("A", "B")])
def test_columns_are_the_inputs_their_translations_and_the_true_partners(view, source):
    data = fields(n_train=8, n_test=6, size=16)
    held = {v: data.decode(data.split("test", view=v), view=v) for v in "AB"}
    fake = held[view] + 0.1
    (s, x), (g, y), (t, z) = columns(fake, held[view], data, view, rows=4)
    assert (s, g) == (source, f"G_{source}{view}({source})")
    assert t.startswith(f"true {view}")
    assert np.allclose(x, held[source][:4]) and np.array_equal(y, fake[:4])
    assert np.array_equal(z, held[view][:4])


def test_without_known_pairs_the_target_column_says_it_is_not_a_partner():
    rng = np.random.default_rng(0)
    data = Domains({v: rng.normal(size=(6, 8, 8, 1)) for v in "AB"},
                   {v: rng.normal(size=(3, 8, 8, 1)) for v in "AB"})  # fmt: skip
    assert KNOWN_PAIRS not in data.domains
    real = data.decode(data.split("test", view="B"), view="B")
    assert columns(real, real, data, "B", 4)[-1][0] == "held-out B (not a partner)"


@pytest.mark.parametrize("shape", [(16, 16, 1), (64, 1)])
def test_grid_draws_fields_as_images_and_signals_as_lines(tmp_path, shape):
    rng = np.random.default_rng(1)
    data = Domains({v: rng.normal(size=(6, *shape)) for v in "AB"},
                   {v: rng.normal(size=(5, *shape)) for v in "AB"})  # fmt: skip
    real = data.decode(data.split("test", view="B"), view="B")
    translation_grid(real[::-1], real, data, str(tmp_path / "g.png"), view="B", rows=3)
    with Image.open(tmp_path / "g.png") as im:
        assert im.format == "PNG" and min(im.size) > 300


def test_training_evaluations_and_the_report_tell_the_figure_its_target_view(tmp_path, monkeypatch):
    seen = []
    draw = figures.columns
    monkeypatch.setattr(figures, "columns", lambda *a: seen.append(a[3]) or draw(*a))
    nets = {f"networks.{g}.ngf": 4 for g in ("G_AB", "G_BA")}
    nets |= {f"networks.{g}.n_blocks": 1 for g in ("G_AB", "G_BA")}
    nets |= {f"networks.{d}.ndf": 4 for d in ("D_A", "D_B")}
    Experiment.from_recipe(
        "cyclegan-fields",
        device="cpu",
        out=tmp_path / "run",
        data={"n_train": 8, "n_test": 4, "size": 16},
        train={"steps": 1, "batch_size": 2, "eval_every": 1, "progress": False},
        validate={"n_samples": 4, "metrics": ["pairs"]},
        **nets,
    ).run()
    assert seen == ["B", "B", "A"]  # step 1's A2B, then the report's A2B and B2A
    assert (tmp_path / "run/figures/steps/step-0000001.png").is_file()
