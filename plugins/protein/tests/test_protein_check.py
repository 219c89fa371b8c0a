"""`gansci check` on protein sequences from elsewhere: real family members pass, an
independent-site profile model of the same family fails on its motifs."""

import numpy as np
from gansci_protein.data import protein_family

import gansci

N = 500


def family_split(split: str) -> list[str]:
    data = protein_family()
    return data.decode(getattr(data, split))


def test_held_out_family_members_pass():
    # the last held-out sequences: not among the first N they are judged against
    report = gansci.check(family_split("test")[-N:], "protein_family", n=N)
    assert report.verdict == "PASS", report.failures


def test_independent_site_profile_fails_on_motifs_not_on_composition():
    train, rng = family_split("train"), np.random.default_rng(0)
    columns = [[s[i] for s in train if len(s) > i] for i in range(max(map(len, train)))]
    lengths = rng.choice([len(s) for s in train], N)
    profile = ["".join(rng.choice(columns[i]) for i in range(n)) for n in lengths]
    report = gansci.check(profile, "protein_family")
    failed = {r.key for r in report.failures}
    assert {"motif1_hit_p10", "motif2_hit_p10", "motif1_w1", "motif2_w1"} <= failed
    assert "aa_js" not in failed  # the profile keeps the family's composition
