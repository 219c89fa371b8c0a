"""Held-out sequences split off by identity clusters, so none is a near copy of training."""

import numpy as np
import pytest
from gansci_protein import data as D
from gansci_protein.alphabet import to_codes
from gansci_protein.fasta import read_fasta
from gansci_protein.identity import identity_clusters, nearest_identity

from gansci.plugin import DataError


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCI_CACHE", str(tmp_path / "cache"))


def test_clusters_are_single_linkage_at_or_above_the_threshold():
    a = "AAAAAAAAAA"
    b = "CCAAAAAAAA"  # 8/10 identical to a
    c = "CCAAAAAADD"  # 8/10 to b, 6/10 to a: joins a through b
    codes = to_codes([a, b, c, "WWWWWWWWWW"], 10)
    labels = identity_clusters(codes, 0.8, chunk=3)  # chunks cross the clusters
    assert labels[0] == labels[1] == labels[2] != labels[3]
    assert len(set(identity_clusters(codes, 0.81))) == 4


def _family_with_near_copies(rng) -> np.ndarray:
    """120 random sequences, 40 of them with 1 to 3 near copies (2 mutations each)."""
    base = rng.integers(0, 20, size=(120, 30))
    copies = []
    for i in range(40):
        for _ in range(rng.integers(1, 4)):
            x = base[i].copy()
            x[rng.choice(30, 2, replace=False)] = rng.integers(0, 20, 2)
            copies.append(x)
    return np.concatenate([base, np.array(copies)])


def test_split_holds_out_whole_clusters_and_no_near_copy_of_training(own_cache):
    codes = _family_with_near_copies(np.random.default_rng(1))
    train, test = D._split(codes, 0.2, seed=0, cluster_identity=0.8)
    assert len(test) == round(0.2 * len(codes)) and len(train) + len(test) == len(codes)
    assert nearest_identity(codes[test], codes[train]).max() < 0.8
    again = D._split(codes, 0.2, seed=0, cluster_identity=0.8)
    assert all(np.array_equal(x, y) for x, y in zip((train, test), again, strict=True))
    assert set(D._split(codes, 0.2, seed=1, cluster_identity=0.8)[1]) != set(test)
    # the plain row split holds out near copies of training sequences
    train, test = D._split(codes, 0.2, seed=0, cluster_identity=0)
    assert nearest_identity(codes[test], codes[train]).max() >= 0.9


def test_a_family_of_one_cluster_cannot_be_split_by_clusters(own_cache):
    codes = np.zeros((5, 10), dtype=np.int64)  # five identical sequences
    with pytest.raises(DataError, match="cluster_identity=0"):
        D._split(codes, 0.4, seed=0, cluster_identity=0.8)
    assert len(D._split(codes, 0.4, seed=0, cluster_identity=0)[1]) == 2


def test_bundled_family_has_no_two_members_80pct_identical_so_its_split_is_the_permutation():
    seqs = [s for _, s in read_fasta(D.BUNDLED / "family.fasta")]
    codes = to_codes(seqs, max(map(len, seqs)))
    train, test = D._split(codes, 0.2, seed=0, cluster_identity=D.CLUSTER_IDENTITY)
    plain_train, plain_test = D._split(codes, 0.2, seed=0, cluster_identity=0)
    np.testing.assert_array_equal(train, plain_train)
    np.testing.assert_array_equal(test, plain_test)
    assert nearest_identity(codes[test], codes[train]).max() < 0.8
