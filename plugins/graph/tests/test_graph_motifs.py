"""Motif statistics and orbit counts: exact on small graphs, equal to networkx (or to
subgraph enumeration) on random graphs, and differentiable in the adjacency."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from gansci_graph import motifs
from gansci_graph.data import to_batch
from gansci_graph.orbits import brute_force_orbit_counts, inclusion_matrix, orbit_counts

from gansci.plugin import ConfigError


def _adj(*graphs: nx.Graph) -> torch.Tensor:
    return to_batch(graphs, max(g.number_of_nodes() for g in graphs))["adj"].double()


@pytest.mark.parametrize(
    ("graph", "expected"),
    [  # edges, wedges, triangles, 4-cycles, 3-stars
        (nx.complete_graph(4), (6, 12, 4, 3, 4)),
        (nx.cycle_graph(4), (4, 4, 0, 1, 0)),
        (nx.star_graph(4), (4, 6, 0, 0, 4)),
        (nx.path_graph(5), (4, 3, 0, 0, 0)),
        (nx.complete_graph(5), (10, 30, 10, 15, 20)),
        (nx.empty_graph(3), (0, 0, 0, 0, 0)),
    ],
)
def test_counts_on_small_graphs(graph, expected):
    a = _adj(graph)
    got = [f(a).item() for f in (motifs.edges, motifs.wedges, motifs.triangles,
                                 motifs.four_cycles, motifs.stars)]  # fmt: skip
    assert got == pytest.approx(expected)


def _networkx_counts(g: nx.Graph) -> list[float]:
    degrees = np.array([d for _, d in g.degree()])
    four = sum(1 for c in nx.simple_cycles(g, length_bound=4) if len(c) == 4)
    return [
        g.number_of_edges(),
        (degrees * (degrees - 1) / 2).sum(),
        sum(nx.triangles(g).values()) / 3,
        four,
    ]


def test_counts_equal_networkx_on_random_graphs():
    graphs = [nx.gnp_random_graph(n, p, seed=s) for s, (n, p) in
              enumerate([(9, 0.3), (12, 0.5), (15, 0.7), (7, 0.9), (16, 0.2)])]  # fmt: skip
    a = _adj(*graphs)  # padded batch: absent rows and columns are zero
    got = torch.stack(
        [f(a) for f in (motifs.edges, motifs.wedges, motifs.triangles, motifs.four_cycles)], 1
    )
    np.testing.assert_allclose(got.numpy(), [_networkx_counts(g) for g in graphs])
    per_node = motifs.node_four_cycles(a)
    np.testing.assert_allclose(per_node.sum(1).numpy(), 4 * got[:, 3].numpy())
    for g, c in zip(graphs, motifs.clustering(a), strict=True):
        expected = [nx.clustering(g)[v] for v in range(g.number_of_nodes())]
        np.testing.assert_allclose(c[: g.number_of_nodes()].numpy(), expected, atol=1e-12)


def test_histograms_and_features_are_differentiable():
    g = nx.gnp_random_graph(10, 0.4, seed=3)
    batch = to_batch([g], 12)
    adj = batch["adj"].requires_grad_(True)
    hist = motifs.degree_histogram(adj, batch["mask"], bins=8)
    assert hist.sum().item() == pytest.approx(1.0)
    degrees = np.array([d for _, d in g.degree()])
    # the soft histogram peaks at the true degree counts (width 0.3: most mass in the bin)
    hard = np.bincount(np.minimum(degrees, 7), minlength=8) / 10
    np.testing.assert_allclose(hist[0].detach().numpy(), hard, atol=0.05)
    f = motifs.features(adj, batch["mask"])
    assert torch.isfinite(f).all()
    f.sum().backward()
    assert adj.grad.abs().sum() > 0
    with pytest.raises(ConfigError, match="unknown motif statistic 'fivecycles'"):
        motifs.features(adj, batch["mask"], ("fivecycles",))


@pytest.mark.parametrize(
    ("graph", "node", "orbits"),
    [
        (nx.complete_graph(4), 0, {0: 3, 3: 3, 14: 1}),
        (nx.cycle_graph(4), 0, {0: 2, 1: 2, 2: 1, 8: 1}),
        (nx.star_graph(3), 0, {0: 3, 2: 3, 7: 1}),
        (nx.star_graph(3), 1, {0: 1, 1: 2, 6: 1}),
        (nx.path_graph(4), 0, {0: 1, 1: 1, 4: 1}),
        (nx.path_graph(4), 1, {0: 2, 1: 1, 2: 1, 5: 1}),
    ],
)
def test_orbit_counts_of_small_graphs(graph, node, orbits):
    expected = np.zeros(15)
    for k, v in orbits.items():
        expected[k] = v
    np.testing.assert_array_equal(orbit_counts(graph)[node], expected)


def test_orbit_counts_equal_subgraph_enumeration_on_random_graphs():
    assert np.allclose(np.diag(inclusion_matrix()), 1)  # triangular: induced counts solvable
    for seed, (n, p) in enumerate([(10, 0.2), (11, 0.45), (12, 0.6), (9, 0.85), (13, 0.3)]):
        g = nx.gnp_random_graph(n, p, seed=seed)
        np.testing.assert_array_equal(orbit_counts(g), brute_force_orbit_counts(g))


def test_laplacian_spectrum_equals_networkx_and_marks_absent_nodes():
    graphs = [nx.gnp_random_graph(10, 0.3, seed=1), nx.gnp_random_graph(7, 0.5, seed=2)]
    batch = to_batch(graphs, 12)
    adj = batch["adj"].double().requires_grad_(True)
    eigenvalues = motifs.laplacian_spectrum(adj, batch["mask"].double())
    for row, g in zip(eigenvalues.detach().numpy(), graphs, strict=True):
        n = g.number_of_nodes()
        np.testing.assert_allclose(row[:n], np.sort(nx.normalized_laplacian_spectrum(g)), atol=1e-9)
        assert (row[n:] == 3).all()
    hist = motifs.spectrum_histogram(adj, batch["mask"].double())
    np.testing.assert_allclose(hist.sum(1).detach().numpy(), 1.0)
    hist[:, 0].sum().backward()  # repeated eigenvalues (the absent nodes') keep it finite
    assert torch.isfinite(adj.grad).all() and adj.grad.abs().sum() > 0
