"""The benchmark graph sets, made by their published generation recipes from one seed."""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np
from scipy.spatial import Delaunay


def community_small(
    n_graphs: int = 100, seed: int = 0, seeded_communities: bool = False
) -> list[nx.Graph]:
    """Two communities of n/2 nodes, n ~ U{12..20}, each G(n/2, 0.7), joined by
    round(0.05 n) (at least one) bridges drawn uniformly among the cross pairs.

    Communities are drawn fresh for every graph; ``seeded_communities`` reproduces the
    published code (GraphRNN/GRAN), which seeds community i with i, so that every graph
    of a given size has the same two communities and only the bridges vary."""
    rng = np.random.default_rng(seed)
    graphs = []
    for _ in range(n_graphs):
        n = int(rng.integers(12, 21))
        sizes = (n // 2, n - n // 2)
        parts = [
            nx.gnp_random_graph(s, 0.7, seed=i if seeded_communities else int(rng.integers(2**31)))
            for i, s in enumerate(sizes)
        ]
        g = nx.disjoint_union(*parts)
        cross = [(a, sizes[0] + b) for a in range(sizes[0]) for b in range(sizes[1])]
        n_bridges = max(1, round(0.05 * n))
        for k in rng.choice(len(cross), n_bridges, replace=False):
            g.add_edge(*cross[k])
        graphs.append(g)
    return graphs


def planar(n_graphs: int = 200, seed: int = 0, n_nodes: int = 64) -> list[nx.Graph]:
    """The Delaunay triangulation of ``n_nodes`` uniform points in the unit square."""
    rng = np.random.default_rng(seed)
    graphs = []
    for _ in range(n_graphs):
        tri = Delaunay(rng.uniform(size=(n_nodes, 2)))
        g = nx.empty_graph(n_nodes)
        for a, b, c in tri.simplices:
            g.add_edges_from([(a, b), (b, c), (a, c)])
        graphs.append(nx.convert_node_labels_to_integers(g))
    return graphs


def sbm(
    n_graphs: int = 200, seed: int = 0, p_in: float = 0.3, p_out: float = 0.005
) -> list[nx.Graph]:
    """k ~ U{2..5} blocks of sizes U{20..40}, edge probability ``p_in`` within a block and
    ``p_out`` between; a disconnected draw is redrawn (the benchmark's graphs are
    connected). The block of each node is its ``block`` attribute."""
    rng = np.random.default_rng(seed)
    graphs: list[nx.Graph] = []
    while len(graphs) < n_graphs:
        k = int(rng.integers(2, 6))
        sizes = [int(s) for s in rng.integers(20, 41, size=k)]
        probs = np.full((k, k), p_out)
        np.fill_diagonal(probs, p_in)
        g = nx.stochastic_block_model(sizes, probs.tolist(), seed=int(rng.integers(2**31)))
        if nx.is_connected(g):
            graphs.append(nx.Graph(g))
    return graphs


def grid(n_graphs: int = 100, seed: int = 0) -> list[nx.Graph]:
    """2-D grids of r x c nodes, r and c in 10..19 (every pair once: 100 graphs, so r x c
    and c x r, isomorphic, both appear; the split keeps them together). ``n_graphs`` below
    100 takes a seeded subset."""
    pairs = [(r, c) for r in range(10, 20) for c in range(10, 20)]
    if n_graphs < len(pairs):
        rng = np.random.default_rng(seed)
        pairs = [pairs[i] for i in sorted(rng.choice(len(pairs), n_graphs, replace=False))]
    return [nx.convert_node_labels_to_integers(nx.grid_2d_graph(r, c)) for r, c in pairs]


def lobster(n_graphs: int = 100, seed: int = 0) -> list[nx.Graph]:
    """``random_lobster(80, 0.7, 0.7)`` draws with 10 to 100 nodes (others are skipped)."""
    rng = np.random.default_rng(seed)
    graphs = []
    while len(graphs) < n_graphs:
        g = _random_lobster(80, 0.7, 0.7, seed=int(rng.integers(2**31)))
        if 10 <= g.number_of_nodes() <= 100:
            graphs.append(nx.convert_node_labels_to_integers(g))
    return graphs


# renamed in networkx 3.5; the old name warns
_random_lobster = getattr(nx, "random_lobster_graph", None) or nx.random_lobster

RECIPES: dict[str, Callable[..., list[nx.Graph]]] = {
    "community-small": community_small,
    "planar": planar,
    "sbm": sbm,
    "grid": grid,
    "lobster": lobster,
}
