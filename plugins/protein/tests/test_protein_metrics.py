"""Metrics checked against the bundled family's ground truth."""

from __future__ import annotations

import random

import numpy as np
import pytest
from gansci_protein import metrics as M
from gansci_protein.alphabet import AMINO_ACIDS
from gansci_protein.data import protein_family


@pytest.fixture(scope="module")
def family():
    data = protein_family()
    train = data.decode(data.split("train", 1600))
    test = data.decode(data.split("test"))
    rnd = random.Random(0)
    shuffled = ["".join(rnd.sample(s, len(s))) for s in test]
    return data, train, test, shuffled


def test_hit_rate_of_real_sequences_matches_the_true_motifs(family):
    data, train, test, shuffled = family
    # Truth: the chance that an instance sampled from the TRUE motif PWM passes the
    # threshold (a lower bound for a sequence, whose best window may lie elsewhere).
    rng = np.random.default_rng(0)
    for k, (probs, pwm) in enumerate(zip(data.truth.motif_pwms, data.pwms, strict=True)):
        probs = np.asarray(probs)
        inst = np.stack([rng.choice(20, 20000, p=col) for col in probs], axis=1)
        true_rate = (pwm.log_odds[np.arange(pwm.width), inst].sum(1) >= data.thresholds[k]).mean()
        real = M.motif_hits(test, test, data)[f"motif{k + 1}_hit_rate"]
        assert abs(real - true_rate) < 0.03, (real, true_rate)
    out = M.motif_hits(train, test, data)
    assert abs(out["hit_rate"] - out["real_hit_rate"]) < 0.03
    assert out["score_w1"] < 1.0
    bad = M.motif_hits(shuffled, test, data)
    assert bad["hit_rate"] < 0.05 and bad["score_w1"] > 10


def test_threshold_has_the_stated_false_positive_rate(family):
    data = family[0]
    rng = np.random.default_rng(7)
    bg = data.background / data.background.sum()
    seqs = ["".join(AMINO_ACIDS[i] for i in rng.choice(20, 74, p=bg)) for _ in range(4000)]
    rate = (data.best_scores(seqs) >= data.thresholds).mean()
    assert abs(rate - data.fpr) < 0.006


def test_true_loglik_separates_real_from_shuffled(family):
    data, train, test, shuffled = family
    out = M.true_loglik(train, test, data)
    assert out["impossible"] == 0 and abs(out["loglik"] - out["real_loglik"]) < 2.0
    assert M.true_loglik(shuffled, test, data)["loglik"] < out["real_loglik"] - 100
    # Summing over insertion sites is at least the joint at the recorded sites.
    assert M.true_loglik(["A" * 74], test, data)["loglik"] < out["real_loglik"] - 100
    assert M.true_loglik(["ACD"], test, data)["impossible"] == 1.0


def _plain_loglik(truth, s: str) -> float:
    """Enumerate every pair of insertion sites, laying the sequence out residue by residue."""
    from scipy.special import logsumexp

    site = np.log(truth.site_matrices())
    motifs = [np.log(np.asarray(m)) for m in truth.motif_pwms]
    (w1, w2), B = truth.motif_widths, len(truth.ancestor)
    (a1, b1), (a2, b2) = truth.motif_windows
    terms = []
    for p1 in range(a1, b1 + 1):
        for p2 in range(a2, b2 + 1):
            layout = (
                [(site, j) for j in range(p1)]
                + [(motifs[0], k) for k in range(w1)]
                + [(site, j) for j in range(p1, p2)]
                + [(motifs[1], k) for k in range(w2)]
                + [(site, j) for j in range(p2, B)]
            )[: len(s)]
            terms.append(
                sum(m[j, AMINO_ACIDS.index(c)] for (m, j), c in zip(layout, s, strict=True))
            )
    prior = np.log((b1 - a1 + 1) * (b2 - a2 + 1) * (truth.max_truncation + 1))
    return float(logsumexp(terms) - prior)


def test_true_loglik_matches_plain_enumeration(family):
    data, train, test, shuffled = family
    seqs = test[:3] + shuffled[:2]
    fast = data.truth.loglik(seqs)
    plain = [_plain_loglik(data.truth, s) for s in seqs]
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-9)


def test_composition_and_conservation_against_truth(family):
    data, train, test, shuffled = family
    out = M.composition(train, test, data)
    assert out["aa_js"] < 1e-4 and out["dipeptide_js"] < 3e-3
    assert M.composition(shuffled, test, data)["dipeptide_js"] > out["dipeptide_js"] * 3
    rnd = np.random.default_rng(0)
    uniform = ["".join(rnd.choice(list(AMINO_ACIDS), len(s))) for s in test]
    assert M.composition(uniform, test, data)["aa_js"] > 0.02
    cons = M.conservation(train, test, data)
    assert cons["entropy_mae"] < 0.1 and cons["entropy_corr"] > 0.99
    # The first 8 positions are always backbone sites 0-7: conserved sites (rate 0.15)
    # must have lower entropy there than fast ones (rate 2.5).
    ent = M._entropy_profile(data.codes(test))[:8]
    rates = np.array(data.truth.site_rates[:8])
    if (rates < 0.5).any() and (rates > 2).any():
        assert ent[rates < 0.5].max() < ent[rates > 2].min()


def test_novelty_catches_a_copy_of_the_training_set(family):
    data, train, test, _ = family
    honest = M.novelty(test[:500], test[:500], data)
    assert abs(honest["nn_identity_excess"]) < 1e-9 and honest["copies"] == 0
    assert 0.5 < honest["real_nn_identity"] < 0.8
    copied = M.novelty(train[:500], test, data)
    assert copied["nn_identity"] == 1.0 and copied["copies"] == 1.0
    assert copied["nn_identity_excess"] > 0.25


def test_uniqueness_diversity_and_length(family):
    data, train, test, _ = family
    assert M.uniqueness(test, test, data)["unique"] == 1.0
    assert M.uniqueness(test[:100] * 2, test, data)["unique"] == 0.5
    div = M.diversity(train, test, data)
    assert abs(div["pairwise_identity"] - div["real_pairwise_identity"]) < 0.01
    assert 0.3 < div["real_pairwise_identity"] < 0.5
    assert M.diversity(test[:5] * 40, test, data)["pairwise_identity"] > 0.5
    assert M.length(train, test, data)["length_w1"] < 0.3
    assert M.length([s[:40] for s in test], test, data)["length_w1"] > 25
