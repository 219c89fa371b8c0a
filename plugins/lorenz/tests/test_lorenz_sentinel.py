"""Target sentinel: the lorenz recipe on a reduced budget, so a regression of the engine
or the recipe fails `make test` (the full targets are in test_lorenz_targets.py)."""

from gansci import Experiment


def test_lorenz_recipe_at_3000_steps_has_the_attractors_dimension(tmp_path):
    # Measured at 3,000 steps, seed 0, 10,000 samples: D2 gap 0.003, off-attractor 1.7 %,
    # coverage 93 % (benchmarks/RESULTS.md, "Target sentinels").
    exp = Experiment.from_recipe(
        "lorenz",
        seed=0,
        device="cpu",
        out=tmp_path / "run",
        train={"steps": 3000, "progress": False},
        validate={"n_samples": 10_000, "metrics": ["d2", "attractor"]},
    )
    exp.run(validate=False)
    v = {f"{r.metric}.{r.key}": r.value for r in exp.validate(write_report=False)}
    assert v["d2.d2_gap"] <= 0.2
    assert v["attractor.off_attractor"] <= 0.05
    assert v["attractor.coverage"] >= 0.85
    z = exp.sample(10_000, seed=1)[:, 2]  # samples in the Lorenz system's own units
    assert abs(z.mean() - 23.5) <= 1.5, z.mean()
