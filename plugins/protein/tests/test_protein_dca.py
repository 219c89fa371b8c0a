"""The field's statistics: weighted frequencies, connected correlations, the profile model
as the reference that matches one-site statistics only, nearest-natural Hamming."""

from __future__ import annotations

import numpy as np
import pytest
from gansci_protein import alphabet as ab
from gansci_protein.data import ProteinDataset
from gansci_protein.dca import Q, dca_stats, frequencies, nearest_hamming, profile_sample


def _coupled(n: int, seed: int) -> np.ndarray:
    """Columns 4-7 copy columns 0-3 nine times in ten: strong pair correlations."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, (n, 4))
    b = np.where(rng.random((n, 4)) < 0.9, a, rng.integers(0, 4, (n, 4)))
    return np.concatenate([a, b + 4], axis=1)


@pytest.fixture(scope="module")
def coupled():
    train, test = _coupled(3000, 0), _coupled(1000, 1)
    return ProteinDataset(
        ab.one_hot(train), ab.one_hot(test), True, [], np.full(20, 0.05),
        weights=np.ones(len(train)), test_weights=np.ones(len(test)),
    )  # fmt: skip


def test_weighted_frequencies_by_hand():
    codes = np.array([[0, 1], [0, 2], [3, 2]])
    f1, c = frequencies(codes, np.array([2.0, 1.0, 1.0]))
    np.testing.assert_allclose(f1[:Q][[0, 3]], [0.75, 0.25], atol=1e-6)
    np.testing.assert_allclose(f1[Q:][[1, 2]], [0.5, 0.5], atol=1e-6)
    assert len(c) == Q * Q  # one pair of columns
    # C_01(A, C) = f(A, C) - f(A) f(C) = 0.5 - 0.75 * 0.5
    assert c.reshape(Q, Q)[0, 1] == pytest.approx(0.125, abs=1e-6)


def test_profile_model_matches_sites_but_not_pairs(coupled):
    seqs = coupled.decode(coupled.split("train", 1000))
    real = coupled.decode(coupled.split("test"))
    natural = dca_stats(seqs, real, coupled)
    profile = ab.from_codes(profile_sample(coupled.split("train").argmax(-1).numpy(), None, 1000))
    indep = dca_stats(profile, real, coupled)
    assert natural["site_r"] > 0.99 and natural["pair_r"] > 0.95
    assert indep["site_r"] > 0.99 and abs(indep["pair_r"]) < 0.2
    assert abs(natural["profile_pair_r"]) < 0.2 and natural["profile_site_r"] > 0.99


def test_nearest_hamming_counts_gaps_as_a_state():
    natural = ab.to_codes(["ACDE", "AC--"], 4)
    codes = ab.to_codes(["ACDE", "AC-E", "WWWW"], 4)
    np.testing.assert_allclose(nearest_hamming(codes, natural), [0, 0.25, 1])


def test_ardca_learns_the_couplings_the_profile_model_misses(coupled):
    from gansci_protein.ardca import ArDCA

    train = coupled.split("train").argmax(-1).numpy()
    model = ArDCA(train.shape[1])
    model.fit(train, coupled.weights, max_iter=30)
    out = dca_stats(
        ab.from_codes(model.sample(1000)), coupled.decode(coupled.split("test")), coupled
    )
    assert out["site_r"] > 0.99 and out["pair_r"] > 0.9 and abs(out["profile_pair_r"]) < 0.2
