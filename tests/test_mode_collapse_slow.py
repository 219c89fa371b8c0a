"""Slow check: the default grid25 recipe reaches the issue's mode-collapse targets."""

from __future__ import annotations

import pytest

from gansci import Experiment


@pytest.mark.slow
def test_grid25_recipe_captures_every_mode_with_high_quality(tmp_path):
    exp = Experiment.from_recipe(
        "grid25", seed=0, device="cpu", out=tmp_path / "run", **{"validate.metrics": ["modes"]}
    )
    exp.config.train.progress = False
    exp.run(validate=False)
    stats = {r.key: r.value for r in exp.validate(write_report=False) if r.metric == "modes"}
    assert stats["modes"] == 25
    assert stats["high_quality"] >= 0.95
    assert stats["reverse_kl"] <= 0.02
