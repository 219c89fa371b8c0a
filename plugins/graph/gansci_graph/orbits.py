"""Exact graphlet orbit counts per node, orbits 0-14 of the graphlets on 2 to 4 nodes (the
numbering of Pržulj and ORCA), from dense matrix products instead of subgraph search.

Each 4-node orbit is first counted as a not-necessarily-induced subgraph (closed forms in
A, A², degrees and triangles), then turned into induced counts by the inverse of the
small matrix that says how many copies of each pattern every induced graphlet holds; that
matrix is built here by brute force over the six graphlets, not typed in.
"""

from __future__ import annotations

import itertools
from functools import cache

import networkx as nx
import numpy as np

#: (edges of the 4-node graphlet on nodes 0-3, its orbits by node degree), orbits 4-14
GRAPHLETS = (
    (((0, 1), (1, 2), (2, 3)), {1: 4, 2: 5}),  # path P4: end, middle
    (((0, 1), (0, 2), (0, 3)), {1: 6, 3: 7}),  # star: leaf, centre
    (((0, 1), (1, 2), (2, 3), (3, 0)), {2: 8}),  # 4-cycle
    (((0, 1), (1, 2), (2, 0), (0, 3)), {1: 9, 2: 10, 3: 11}),  # paw: tail, triangle, joint
    (((0, 1), (1, 2), (2, 3), (3, 0), (0, 2)), {2: 12, 3: 13}),  # diamond
    (((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)), {3: 14}),  # K4
)
N_ORBITS = 15


def orbit_of(edges: set[frozenset[int]], node: int) -> int | None:
    """The orbit (4-14) of ``node`` in the connected graph on nodes 0-3 with ``edges``;
    None when that graph is not connected."""
    g = nx.Graph([tuple(e) for e in edges])
    if g.number_of_nodes() < 4 or not nx.is_connected(g):
        return None
    degree_sequence = sorted(d for _, d in g.degree())
    for pattern, orbits in GRAPHLETS:
        if sorted(nx.Graph(pattern).degree(v) for v in range(4)) == degree_sequence:
            return orbits[g.degree(node)]
    raise AssertionError("every connected graph on 4 nodes is a graphlet")


@cache
def inclusion_matrix() -> np.ndarray:
    """M[o', o]: for a node in orbit o of an induced graphlet, how many of the graphlet's
    spanning subgraphs put it in orbit o' (rows and columns 4-14 as 0-10)."""
    m = np.zeros((11, 11))
    for pattern, orbits in GRAPHLETS:
        full = [frozenset(e) for e in pattern]
        g = nx.Graph(pattern)
        for degree, orbit in orbits.items():
            node = next(v for v in range(4) if g.degree(v) == degree)
            for k in range(3, len(full) + 1):
                for subset in itertools.combinations(full, k):
                    sub = orbit_of(set(subset), node)
                    if sub is not None:
                        m[sub - 4, orbit - 4] += 1
    return m


def _k4_per_node(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """K4s through each node: the triangles among its neighbours (only nodes on a
    triangle can be on a K4)."""
    out = np.zeros(len(a))
    for i in np.flatnonzero(t > 0):
        nb = np.flatnonzero(a[i])
        b = a[np.ix_(nb, nb)]
        out[i] = np.trace(b @ b @ b) / 6
    return out


def noninduced_counts(a: np.ndarray) -> np.ndarray:
    """(N, 11): per node, copies of each 4-node orbit (4-14) as not-necessarily-induced
    subgraphs of the 0/1 symmetric adjacency ``a``."""
    a2 = a @ a
    d = a.sum(1)
    t = (a2 * a).sum(1) / 2  # triangles through each node
    w = a @ d - d  # sum over neighbours j of (d_j - 1)
    on_edges = a * a2  # common neighbours of the two ends of each edge
    c2 = a2 * (a2 - 1) / 2
    np.fill_diagonal(c2, 0)
    diamond_side = ((a @ (a * (a2 - 1))) * a).sum(1) / 2
    return np.stack(
        [
            a @ w - 2 * t - d * (d - 1),  # 4: end of a path of 4
            (d - 1) * w - 2 * t,  # 5: inside a path of 4
            a @ ((d - 1) * (d - 2) / 2),  # 6: leaf of a 3-star
            d * (d - 1) * (d - 2) / 6,  # 7: centre of a 3-star
            c2.sum(1),  # 8: on a 4-cycle (pairs of paths to the opposite node)
            a @ t - 2 * t,  # 9: tail end of a paw
            (on_edges * (d - 2)[None, :]).sum(1),  # 10: triangle node of a paw, tail beyond
            t * (d - 2),  # 11: joint of a paw
            diamond_side,  # 12: degree-2 node of a diamond
            (on_edges * (on_edges - 1) / 2).sum(1),  # 13: degree-3 node of a diamond
            _k4_per_node(a, t),  # 14: in a K4
        ],
        axis=1,
    )


def orbit_counts(g: nx.Graph) -> np.ndarray:
    """(n, 15) induced orbit counts of every node of ``g`` (orbits 0-14), as ORCA's
    ``node 4`` mode gives them, exact (integers stored as float)."""
    a = nx.to_numpy_array(g, nodelist=list(g.nodes()), weight=None)
    d = a.sum(1)
    a2 = a @ a
    t = (a2 * a).sum(1) / 2
    small = np.stack([d, a @ (d - 1) - 2 * t, d * (d - 1) / 2 - t, t], axis=1)
    four = np.linalg.solve(inclusion_matrix(), noninduced_counts(a).T).T
    return np.concatenate([small, np.rint(four)], axis=1)


def brute_force_orbit_counts(g: nx.Graph) -> np.ndarray:
    """The same by enumerating every 3- and 4-node subset (for tests; O(n⁴))."""
    nodes = list(g.nodes())
    index = {v: i for i, v in enumerate(nodes)}
    out = np.zeros((len(nodes), N_ORBITS))
    for v in nodes:
        out[index[v], 0] = g.degree(v)
    for trio in itertools.combinations(nodes, 3):
        sub = g.subgraph(trio)
        if sub.number_of_edges() == 3:
            out[[index[v] for v in trio], 3] += 1
        elif sub.number_of_edges() == 2:
            for v in trio:
                out[index[v], 2 if sub.degree(v) == 2 else 1] += 1
    for quad in itertools.combinations(nodes, 4):
        relabel = {v: k for k, v in enumerate(quad)}
        edges = {frozenset((relabel[u], relabel[v])) for u, v in g.subgraph(quad).edges()}
        for v in quad:
            orbit = orbit_of(edges, relabel[v])
            if orbit is not None:
                out[index[v], orbit] += 1
    return out
