"""Target sentinel: the grid25 recipe on a reduced budget, so an engine regression fails
`make test` (the full 20,000-step targets are in test_mode_collapse_slow.py)."""

from gansci import Experiment


def test_grid25_recipe_at_5000_steps_captures_most_modes(tmp_path):
    # Measured at 5,000 steps, seed 0: 23 / 25 modes, 60 % high quality, reverse KL 0.12
    # (benchmarks/RESULTS.md, "Target sentinels"); at 20,000 steps: 25 / 25, 97 %, 0.004.
    exp = Experiment.from_recipe(
        "grid25",
        seed=0,
        device="cpu",
        out=tmp_path / "run",
        train={"steps": 5000, "eval_every": 0, "eval_metrics": [], "progress": False},
        validate={"metrics": ["modes"]},
    )
    exp.run(validate=False)
    stats = {r.key: r.value for r in exp.validate(write_report=False)}
    assert stats["modes"] >= 22
    assert stats["high_quality"] >= 0.45
    assert stats["reverse_kl"] <= 0.2
