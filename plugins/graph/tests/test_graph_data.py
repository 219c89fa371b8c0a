"""Datasets: the generation recipes, the standard split without overlap, kinds, and the
round trip between dense batches and networkx graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from gansci_graph import synthetic
from gansci_graph.data import (
    KINDS,
    GraphDataset,
    community_small,
    planar,
    sbm,
    split_sizes,
    standard_split,
    wl_hash,
)

from gansci.plugin import ConfigError, DataError, Kind


def test_community_small_recipe():
    graphs = synthetic.community_small(n_graphs=60, seed=1)
    sizes = [g.number_of_nodes() for g in graphs]
    assert len(graphs) == 60 and min(sizes) >= 12 and max(sizes) <= 20
    assert len(set(sizes)) >= 6  # n ~ U{12..20}
    for g in graphs:
        n = g.number_of_nodes()
        half = n // 2
        cross = sum(1 for u, v in g.edges() if (u < half) != (v < half))
        assert cross == max(1, round(0.05 * n))
    inside = [
        g.subgraph(range(g.number_of_nodes() // 2)).number_of_edges()
        / (g.number_of_nodes() // 2 * (g.number_of_nodes() // 2 - 1) / 2)
        for g in graphs
    ]
    assert abs(np.mean(inside) - 0.7) < 0.05


def test_seeded_communities_repeat_across_graphs_of_one_size():
    graphs = synthetic.community_small(n_graphs=40, seed=0, seeded_communities=True)
    by_size: dict[int, set] = {}
    for g in graphs:
        half = g.number_of_nodes() // 2
        by_size.setdefault(half, set()).add(frozenset(g.subgraph(range(half)).edges()))
    assert all(len(v) == 1 for v in by_size.values())
    fresh = synthetic.community_small(n_graphs=40, seed=0)
    halves = {frozenset(g.subgraph(range(g.number_of_nodes() // 2)).edges()) for g in fresh}
    assert len(halves) > 30


def test_planar_recipe_gives_connected_planar_triangulations():
    for g in synthetic.planar(n_graphs=5, seed=0):
        assert g.number_of_nodes() == 64 and nx.is_connected(g)
        assert nx.check_planarity(g)[0]
        # a triangulation of n points with h on the hull has 3n - 3 - h edges
        assert 3 * 64 - 3 - 64 <= g.number_of_edges() <= 3 * 64 - 6


def test_sbm_recipe_block_structure():
    graphs = synthetic.sbm(n_graphs=12, seed=0)
    within, between = [], []
    for g in graphs:
        blocks = nx.get_node_attributes(g, "block")
        sizes = np.bincount(list(blocks.values()))
        assert 2 <= len(sizes) <= 5 and sizes.min() >= 20 and sizes.max() <= 40
        assert nx.is_connected(g)
        same = sum(blocks[u] == blocks[v] for u, v in g.edges())
        pairs_in = sum(s * (s - 1) / 2 for s in sizes)
        pairs_out = g.number_of_nodes() * (g.number_of_nodes() - 1) / 2 - pairs_in
        within.append(same / pairs_in)
        between.append((g.number_of_edges() - same) / pairs_out)
    assert abs(np.mean(within) - 0.3) < 0.02
    assert 0.002 < np.mean(between) < 0.01


@pytest.fixture(scope="module")
def grids():
    return synthetic.grid()


def test_grid_and_lobster_recipes(grids):
    assert len(grids) == 100
    sides = range(10, 20)
    assert {g.number_of_nodes() for g in grids} == {r * c for r in sides for c in sides}
    assert all(max(d for _, d in g.degree()) == 4 and nx.number_of_selfloops(g) == 0 for g in grids)
    lobsters = synthetic.lobster(n_graphs=10, seed=0)
    assert all(10 <= g.number_of_nodes() <= 100 and nx.is_tree(g) for g in lobsters)


def test_standard_split_sizes_and_no_overlap():
    assert split_sizes(100) == (64, 16, 20)
    assert split_sizes(200) == (128, 32, 40)
    data = community_small()
    assert (data.n_train, len(data.validation_graphs), data.n_test) == (64, 16, 20)
    hashes = [{wl_hash(g) for g in part} for part in
              (data.train_graphs, data.validation_graphs, data.test_graphs)]  # fmt: skip
    assert not (hashes[0] & hashes[1] or hashes[0] & hashes[2] or hashes[1] & hashes[2])
    again = community_small()
    assert all(
        nx.utils.graphs_equal(a, b)
        for a, b in zip(data.test_graphs, again.test_graphs, strict=True)
    )
    other = community_small(seed=1)
    assert not all(
        nx.utils.graphs_equal(a, b)
        for a, b in zip(data.test_graphs, other.test_graphs, strict=True)
    )


def test_isomorphic_graphs_stay_in_one_split(grids):
    # the grid set holds r x c and c x r, isomorphic; they must land in one split
    train, val, test = standard_split(grids, seed=0)
    assert (len(train), len(val), len(test)) == (64, 16, 20)
    hashes = [{wl_hash(g) for g in part} for part in (train, val, test)]
    assert not (hashes[0] & hashes[1] or hashes[0] & hashes[2] or hashes[1] & hashes[2])


def test_batches_are_declared_kinds_and_round_trip():
    data = planar(n_graphs=20)
    assert data.kinds == {"adj": Kind.ADJACENCY, "mask": Kind.MASK} == KINDS
    batch = data.split("train")
    n = data.n_train
    assert batch["adj"].shape == (n, 64, 64) and batch["mask"].shape == (n, 64)
    assert torch.equal(batch["adj"], batch["adj"].transpose(1, 2))
    graphs = data.decode(batch)
    assert all(nx.utils.graphs_equal(a, b) for a, b in zip(graphs, data.train_graphs, strict=True))
    back = data.encode(graphs)
    assert torch.equal(back["adj"], batch["adj"]) and torch.equal(back["mask"], batch["mask"])


def test_decode_samples_soft_adjacency_with_the_generator():
    data = community_small(n_graphs=20)
    n = data.max_nodes
    soft = {"adj": torch.full((50, n, n), 0.5) * (1 - torch.eye(n)), "mask": torch.ones(50, n)}
    a = data.decode(soft, generator=torch.Generator().manual_seed(1))
    b = data.decode(soft, generator=torch.Generator().manual_seed(1))
    c = data.decode(soft, generator=torch.Generator().manual_seed(2))
    assert [sorted(g.edges()) for g in a] == [sorted(g.edges()) for g in b]
    assert [sorted(g.edges()) for g in a] != [sorted(g.edges()) for g in c]
    density = np.mean([nx.density(g) for g in a])
    assert abs(density - 0.5) < 0.03


def test_encode_refuses_graphs_above_the_maximum_and_self_loops():
    data = community_small(n_graphs=20, max_nodes=20)
    with pytest.raises(DataError, match="graph 1: 25 nodes, above the maximum of 20"):
        data.encode([nx.path_graph(5), nx.path_graph(25)])
    loop = nx.path_graph(4)
    loop.add_edge(2, 2)
    with pytest.raises(DataError, match="graph 0: 1 self-loop"):
        data.encode([loop])
    with pytest.raises(ConfigError, match="max_nodes=10"):
        GraphDataset(data.train_graphs, [], data.test_graphs, max_nodes=10)


def test_sbm_dataset_is_padded_to_its_largest_graph():
    data = sbm(n_graphs=10)
    sizes = [g.number_of_nodes() for g in data.train_graphs + data.test_graphs]
    assert data.max_nodes == max(sizes + [g.number_of_nodes() for g in data.validation_graphs])
    train_sizes = sorted(g.number_of_nodes() for g in data.train_graphs)
    assert sorted(data.node_counts.tolist()) == train_sizes
