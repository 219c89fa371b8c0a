"""Best motif scores, composition, conservation and sequence identity against answers
worked out by hand."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from gansci_protein import metrics as M
from gansci_protein.alphabet import AMINO_ACIDS, from_codes, one_hot, to_codes
from gansci_protein.pwm import PWM, PWMScanner

A, C, D, W = (AMINO_ACIDS.index(a) for a in "ACDW")


def test_best_codes_is_the_best_hand_summed_window_with_gaps_scoring_the_column_minimum():
    w = np.full((2, 20), -1.0)
    w[0, A], w[0, C] = 3.0, -3.0  # column 0: worst -3
    w[1, C], w[1, D] = 2.0, -6.0  # column 1: worst -6
    w_only = np.zeros((1, 20))
    w_only[0, W] = 1.0
    seqs = ["WACW", "A-", "-C", "A"]  # padded to 4 with '.', which scores as a gap
    scanner = PWMScanner([PWM("w", w), PWM("w_only", w_only)])
    best = scanner.best_codes(torch.from_numpy(to_codes(seqs, 4)))
    expected = [
        [3 + 2, 1],  # AC beats WA (-2) and CW (-4)
        [3 - 6, 0],  # A- beats -. and .. (-3 - 6)
        [-3 + 2, 0],  # -C beats C. and .. (-3 - 6)
        [3 - 6, 0],  # A. beats .. (-3 - 6)
    ]
    np.testing.assert_array_equal(best.numpy(), expected)


def test_best_codes_is_exact_where_float32_ranks_two_windows_the_wrong_way():
    # Dyadic log-odds, exact in float64. Window AAAA sums to 4 + 345u, CCCC to 4 + 358u,
    # u = 2^-30. The float32 scan rounds each 3-tap group (3 + 230u -> 3 + 256u, 1 + 115u ->
    # 1 + 128u; 3 + 358u -> 3 + 256u) and then their sums: AAAA to 4 + 512u, CCCC to 4.
    u = 2.0**-30
    w = np.full((4, 20), -8.0)
    w[1:3, [A, C]] = 0.0
    w[0, A], w[3, A] = 3 + 230 * u, 1 + 115 * u
    w[0, C], w[3, C] = 3 + 358 * u, 1.0
    scanner = PWMScanner([PWM("m", w)])
    codes = torch.from_numpy(to_codes(["AAAA-CCCC"], 9))
    scan32 = scanner.scan_codes(codes, torch.float32)[0][0]
    assert scan32[0] > scan32[-1]  # the premise: float32 prefers AAAA
    assert scanner.best_codes(codes).item() == 4 + 358 * u


def _codes(seqs, length=4):
    return to_codes(seqs, length)


def test_identity_counts_matching_residues_over_the_longer_residue_count():
    seqs = ["ACDE", "ACD", "AC-E", "AD-E", "--"]
    ident = M.identity_matrix(_codes(seqs), _codes(seqs))
    # gaps and padding are not residues: they neither match nor count towards the length
    expected = [
        [1, 3 / 4, 3 / 4, 2 / 4, 0],
        [3 / 4, 1, 2 / 3, 1 / 3, 0],
        [3 / 4, 2 / 3, 1, 2 / 3, 0],
        [2 / 4, 1 / 3, 2 / 3, 1, 0],
        [0, 0, 0, 0, 0],  # no residues at all: 0 / max(0, 1)
    ]
    np.testing.assert_allclose(ident, expected, rtol=0, atol=1e-7)


def _family(train, length=4):
    """The parts of a protein dataset the identity metrics read."""
    return SimpleNamespace(
        codes=lambda seqs: _codes(list(seqs), length),
        split=lambda name, n=None: one_hot(_codes(train, length)),
        decode=lambda batch: from_codes(batch.argmax(-1).numpy()),
    )


def test_novelty_is_the_median_identity_to_the_nearest_training_sequence():
    data = _family(["ACDE", "WWWW"])
    out = M.novelty(["ACDE", "ACDW", "ACD"], ["AC", "WWWC"], data)
    # generated: 1 (a copy), 3/4, 3/4 (ACD against ACDE); real: 2/4, 3/4
    assert out["nn_identity"] == pytest.approx(3 / 4)
    assert out["real_nn_identity"] == pytest.approx((2 / 4 + 3 / 4) / 2)
    assert out["nn_identity_excess"] == pytest.approx(3 / 4 - 5 / 8)
    assert out["copies"] == pytest.approx(1 / 3)
    assert out["near_copies_90"] == pytest.approx(1 / 3)  # 3/4 identical is no near copy
    assert out["real_copies"] == out["real_near_copies_90"] == 0


def test_a_sequence_exactly_90_percent_identical_is_a_near_copy():
    # 9 of 10 residues (identity 0.9 in float32, compared in float32) and 8 of 10
    data = _family(["ACDEFGHIKL"], length=10)
    near = ["ACDEFGHIKW", "ACDEFGHIWW"]
    out = M.novelty(near, near, data)
    assert out["near_copies_90"] == out["real_near_copies_90"] == 0.5
    assert out["copies"] == out["real_copies"] == 0
    assert out["nn_identity"] == pytest.approx(0.85)


def test_memorisation_allows_the_held_out_rates_plus_the_stated_tolerances():
    zero = {"copies": 0.0, "near_copies_90": 0.0}
    assert M.memorisation_ok({"copies": 0.01, "near_copies_90": 0.02}, zero)
    assert not M.memorisation_ok({"copies": 0.011, "near_copies_90": 0.02}, zero)
    assert not M.memorisation_ok({"copies": 0.0, "near_copies_90": 0.021}, zero)
    assert M.memorisation_ok(
        {"copies": 0.05, "near_copies_90": 0.1}, {"copies": 0.045, "near_copies_90": 0.09}
    )
    held_out = {"real_copies": 0.1, "real_near_copies_90": 0.2}
    assert M.memorisation_ok({"copies": 0.11, "near_copies_90": 0.22, **held_out})
    assert not M.memorisation_ok({"copies": 0.12, "near_copies_90": 0.2, **held_out})


def test_motif_hit_rates_at_the_background_threshold_and_the_real_percentiles():
    # best scores are the samples themselves; real 1..20: 5th percentile 1 + 0.05 * 19 =
    # 1.95, 10th 2.9; the background threshold is 5; generated = real + 1 (W1 = 1)
    data = SimpleNamespace(
        pwms=[SimpleNamespace(name="m")],
        thresholds=np.array([5.0]),
        best_scores=lambda seqs: np.asarray(seqs, float)[:, None],
    )
    real = list(range(1, 21))
    out = M.motif_hits([r + 1 for r in real], real, data)
    assert out["m_hit_fpr"] == out["hit_rate"] == 17 / 20  # 5..21: a tie is a hit
    assert out["real_m_hit_fpr"] == out["real_hit_rate"] == 16 / 20
    assert out["m_hit_p05"] == 1.0 and out["real_m_hit_p05"] == 19 / 20
    assert out["m_hit_p10"] == 19 / 20 and out["real_m_hit_p10"] == 18 / 20
    assert out["m_w1"] == out["score_w1"] == pytest.approx(1.0)


def test_composition_of_residues_missing_from_one_side():
    # amino acids A, C against A, A: JS = (KL(P|M) + KL(Q|M)) / 2 with M = (3/4, 1/4),
    # KL(P|M) = ln(4/3) / 2, KL(Q|M) = ln(4/3), so 3/4 ln(4/3); dipeptides AC against AA
    # share nothing: ln 2
    out = M.composition(["AC"], ["AA"], _family([]))
    assert out["aa_js"] == pytest.approx(0.75 * np.log(4 / 3), rel=1e-12)
    assert out["dipeptide_js"] == pytest.approx(np.log(2), rel=1e-12)
    # nothing in common, the dipeptides at the two ends of the 400 bins (AC and WW)
    out = M.composition(["AC"], ["WW"], _family([]))
    assert out["aa_js"] == out["dipeptide_js"] == pytest.approx(np.log(2), rel=1e-12)


def test_composition_leaves_out_gaps_and_pads():
    # Residues A2 C2 against A3 C3: the same composition, whatever the gaps (1 of 5
    # symbols against 2 of 8). Dipeptides are adjacent residues, none next to a gap or a
    # pad: AC AC against AC CA AC, so P = (1, 0), Q = (2/3, 1/3), M = (5/6, 1/6):
    # JS = (ln(6/5) + 2/3 ln(4/5) + 1/3 ln 2) / 2.
    out = M.composition(["AC-AC"], ["ACAC", "A--C"], _family([], length=8))
    assert out["aa_js"] == pytest.approx(0.0, abs=1e-15)
    expected = (np.log(6 / 5) + 2 / 3 * np.log(4 / 5) + np.log(2) / 3) / 2
    assert out["dipeptide_js"] == pytest.approx(expected, rel=1e-12)


def test_entropy_profile_is_per_position_with_gaps_and_pads_as_symbols():
    # position 1: A A A A (0); position 2: - D D - (ln 2); position 3: C . E E
    # (1/4, 1/4, 1/2: 3/2 ln 2); position 4: all pad (0)
    codes = _codes(["A-C", "AD", "ADE", "A-E"])
    expected = [0, np.log(2), 1.5 * np.log(2), 0]
    np.testing.assert_allclose(M._entropy_profile(codes), expected, rtol=1e-12, atol=1e-15)
    # against A A A A at every position: mean |difference| (ln 2 + 3/2 ln 2) / 4; no
    # correlation with a flat profile is defined: 0, whichever side is flat
    varied, flat = ["A-C", "AD", "ADE", "A-E"], ["AAAA"] * 4
    for x, y in ((varied, flat), (flat, varied)):
        out = M.conservation(x, y, _family([]))
        assert out["entropy_mae"] == pytest.approx(2.5 * np.log(2) / 4, rel=1e-12)
        assert out["entropy_corr"] == 0.0
    # profiles (0, ln 2) and (ln 2, 0): mean |difference| ln 2, correlation -1
    out = M.conservation(["AA", "AC"], ["AA", "CA"], _family([], length=2))
    assert out["entropy_mae"] == pytest.approx(np.log(2), rel=1e-12)
    assert out["entropy_corr"] == pytest.approx(-1.0, abs=1e-12)


def test_uniqueness_of_one_sequence_is_1_and_of_none_0():
    assert M.uniqueness(["AC"], [], None)["unique"] == 1.0
    assert M.uniqueness([], [], None)["unique"] == 0.0
    assert M.uniqueness(["AC", "AC", "AD"], [], None)["unique"] == pytest.approx(2 / 3)


def test_diversity_reads_the_first_1500_sequences():
    out = M.diversity(["AAAA"] * 1500 + ["WWWW"], ["AAAA", "AAAW"], _family([]))
    assert out["pairwise_identity"] == 1.0
    assert out["real_pairwise_identity"] == pytest.approx(3 / 4)


def test_diversity_is_the_mean_identity_over_distinct_pairs():
    data = _family([])
    out = M.diversity(["ACDE", "ACDE", "WWWW"], ["ACDE", "ACDW"], data)
    # ordered pairs off the diagonal: 1 twice, 0 four times; real: 3/4 twice
    assert out["pairwise_identity"] == pytest.approx(2 / 6)
    assert out["real_pairwise_identity"] == pytest.approx(3 / 4)
