"""Target sentinel: the grid25 recipe on a reduced budget, so an engine regression fails
`make test` (the full 20,000-step targets are in test_mode_collapse_slow.py)."""

from gansci.plugin import recipe_figures


def test_grid25_recipe_at_5000_steps_captures_most_modes(tmp_path):
    # Measured at 5,000 steps, seed 0: 23 / 25 modes, 60 % high quality, reverse KL 0.12
    # (benchmarks/RESULTS.md, "Target sentinels"); at 20,000 steps: 25 / 25, 97 %, 0.004.
    v = recipe_figures("grid25", tmp_path, 5000, validate={"metrics": ["modes"]})
    assert v["modes.modes"] >= 22
    assert v["modes.high_quality"] >= 0.45
    assert v["modes.reverse_kl"] <= 0.2
