"""Target sentinel: the lorenz recipe on a reduced budget, so a regression of the engine
or the recipe fails `make test` (the full targets are in test_lorenz_targets.py)."""

from gansci import Experiment
from gansci.plugin import recipe_figures


def test_lorenz_recipe_at_3000_steps_has_the_attractors_dimension(tmp_path):
    # Measured at 3,000 steps, seed 0, 10,000 samples: D2 gap 0.031, off-attractor 1.7 %,
    # coverage 95.5 %, z mean 23.63 (benchmarks/RESULTS.md, "Target sentinels"; 0.003,
    # 1.7 %, 93 % before the data were standardised by their training split alone).
    validate = {"n_samples": 10_000, "metrics": ["d2", "attractor"]}
    v = recipe_figures("lorenz", tmp_path, 3000, validate=validate)
    assert v["d2.d2_gap"] <= 0.2
    assert v["attractor.off_attractor"] <= 0.05
    assert v["attractor.coverage"] >= 0.85
    # samples come out in the Lorenz system's own units, not the model's standard ones
    z = Experiment.load(tmp_path / "lorenz").sample(10_000, seed=1)[:, 2]
    assert abs(z.mean() - 23.5) <= 1.5, z.mean()
