"""Target sentinel: the default protein recipe on a reduced budget, so a regression of the
engine or the recipe fails `make test` (the full targets are in
test_protein_targets_slow.py)."""

from gansci.plugin import recipe_figures


def test_protein_recipe_at_750_steps_carries_both_motifs_without_copying(tmp_path):
    # Measured at 750 steps, 1,000 samples, seed 0 (seed 1): motif 1 / 2 hit rates 0.84 /
    # 0.77 (0.80 / 0.82) at the background threshold, 0.75 / 0.64 (0.68 / 0.75) at the real
    # 10th percentile (real 0.90), best-score W1 3.1 / 6.2 (3.9 / 3.0) bits, no copies.
    # After 1 step: 0.06 / 0.06, 0.01 / 0.02, 20 / 19 bits; at 500 steps motif 2 was at
    # 0.18 (benchmarks/RESULTS.md, "Target sentinels").
    validate = {"n_samples": 1000, "metrics": ["protein_motif", "protein_novelty"]}
    v = recipe_figures("protein", tmp_path, 750, validate=validate)
    for motif in ("motif1", "motif2"):
        assert v[f"protein_motif.{motif}_hit_fpr"] >= 0.6
        assert v[f"protein_motif.{motif}_hit_p10"] >= 0.45
        assert v[f"protein_motif.{motif}_w1"] <= 10
    assert v["protein_novelty.memorisation_ok"] == 1.0
