"""`gansci check` on graphs from elsewhere: held-out community-small graphs pass the MMD
targets, Erdős–Rényi graphs of the same sizes and density fail on orbits and spectrum."""

import networkx as nx
import numpy as np
from gansci_graph.data import community_small

import gansci

PARAMS = {"n_graphs": 400}  # 80 test graphs, so 40 are judged against 40


def other_seed_graphs() -> list:
    data = community_small(n_graphs=400, seed=1)
    return data.decode(data.test)[:40]


def test_graphs_of_another_seed_pass():
    report = gansci.check(
        other_seed_graphs(), "community-small", metrics=["graph_mmd"], data_params=PARAMS
    )
    assert report.verdict == "PASS", report.failures


def test_erdos_renyi_of_matching_density_fails_on_orbits_and_spectrum():
    good, rng = other_seed_graphs(), np.random.default_rng(0)
    density = np.mean([nx.density(g) for g in good])
    er = [nx.gnp_random_graph(len(g), density, seed=int(rng.integers(2**31))) for g in good]
    report = gansci.check(er, "community-small", metrics=["graph_mmd"], data_params=PARAMS)
    assert {r.key for r in report.failures} >= {"orbit", "spectral"}
