"""Speed of the graph plugin's motif code against its peers, one run, the same graphs.

On ``--graphs`` planar graphs of 64 nodes (Delaunay triangulations, the planar set's
recipe): per-node triangles and clustering by the plugin's batched torch code
(gansci_graph.motifs) vs a batched NumPy peer (its fastest of float32 / float64 matmul)
and networkx (``triangles``, ``clustering``); per-node 4-node orbit counts (orbits 0-14)
by the plugin (gansci_graph.orbits) vs networkx's subgraph counting (induced subgraph
isomorphisms of each graphlet by ``GraphMatcher``, on the first ``--slow-graphs``
graphs: it takes about a second a graph), and vs ORCA and the Fast Graphlet Transform
where their pip packages are installed (``orca-graphlets``, ``pyfglt``). Every peer's
answer is checked equal to the plugin's before it is timed. Times are CPU seconds of
this process (``time.process_time``), the best of ``--repeats``; run on one thread:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        .venv/bin/python benchmarks/graph_motif_speed.py
"""

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable

import networkx as nx
import numpy as np
import scipy.sparse as sp
import torch
from gansci_graph import motifs
from gansci_graph.data import to_batch
from gansci_graph.orbits import GRAPHLETS, orbit_counts
from gansci_graph.synthetic import planar
from networkx.algorithms.isomorphism import GraphMatcher


def best_cpu(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
    return best, out


# -- triangles and clustering -------------------------------------------------------------


def numpy_triangles(a: np.ndarray) -> np.ndarray:
    return ((a @ a) * a).sum(-1) / 2


def numpy_clustering(a: np.ndarray) -> np.ndarray:
    d = a.sum(-1)
    pairs = d * (d - 1) / 2
    return np.divide(numpy_triangles(a), pairs, out=np.zeros_like(d), where=pairs > 0)


def networkx_per_node(graphs: list[nx.Graph], fn: Callable) -> np.ndarray:
    return np.array([[v for _, v in sorted(fn(g).items())] for g in graphs])


# -- orbit counts -------------------------------------------------------------------------


def networkx_orbits(g: nx.Graph) -> np.ndarray:
    """Orbits 0-3 from degrees and triangles, 4-14 by counting induced copies of each
    4-node graphlet with networkx's subgraph isomorphism (each copy is found once per
    automorphism of the graphlet)."""
    out = np.zeros((g.number_of_nodes(), 15))
    d = np.array([g.degree(v) for v in g])
    t = np.array([nx.triangles(g, v) for v in g])
    nb_deg = np.array([sum(g.degree(u) - 1 for u in g[v]) for v in g])
    out[:, :4] = np.stack([d, nb_deg - 2 * t, d * (d - 1) / 2 - t, t], 1)
    for pattern, orbits in GRAPHLETS:
        p = nx.Graph(pattern)
        automorphisms = sum(1 for _ in GraphMatcher(p, p).isomorphisms_iter())
        for mapping in GraphMatcher(g, p).subgraph_isomorphisms_iter():
            for v, u in mapping.items():
                out[v, orbits[p.degree(u)]] += 1.0 / automorphisms
    return out


#: ORCA's orbit k is column FGLT_COLUMN[k] of the Fast Graphlet Transform's net counts
FGLT_COLUMN = [1, 2, 3, 4, 5, 6, 7, 8, 12, 9, 10, 11, 13, 14, 15]


@contextlib.contextmanager
def quiet_stdout():
    """pyfglt's C++ prints a line a call; silence it at the file descriptor."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--graphs", type=int, default=1000)
    p.add_argument("--slow-graphs", type=int, default=50)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(1)
    graphs = planar(args.graphs, seed=0)
    n, k = len(graphs), args.slow_graphs
    rows: list[tuple[str, str, float, int]] = []  # (task, peer, CPU seconds, graphs)

    def row(task: str, peer: str, seconds: float, count: int) -> None:
        rows.append((task, peer, seconds, count))

    # dense input for the batched peers: conversion timed once, reported apart
    convert, batch = best_cpu(lambda: to_batch(graphs, 64)["adj"], 1)
    row("networkx graphs -> dense batch", "gansci_graph.data.to_batch", convert, n)
    a64 = batch.double().numpy()
    a32 = batch.numpy()

    tri_nx_s, tri_nx = best_cpu(lambda: networkx_per_node(graphs, nx.triangles), 1)
    clu_nx_s, clu_nx = best_cpu(lambda: networkx_per_node(graphs, nx.clustering), 1)
    tri_s, tri = best_cpu(lambda: motifs.node_triangles(batch), args.repeats)
    clu_s, clu = best_cpu(lambda: motifs.clustering(batch), args.repeats)
    np.testing.assert_array_equal(tri.numpy(), tri_nx)
    np.testing.assert_allclose(clu.numpy(), clu_nx, atol=1e-6)
    np_tri = {}
    np_clu = {}
    for name, a in (("float32", a32), ("float64", a64)):
        np_tri[name], out = best_cpu(lambda a=a: numpy_triangles(a), args.repeats)
        np.testing.assert_array_equal(out, tri_nx)
        np_clu[name], out = best_cpu(lambda a=a: numpy_clustering(a), args.repeats)
        np.testing.assert_allclose(out, clu_nx, atol=1e-6)
    best_tri = min(np_tri, key=np_tri.get)
    best_clu = min(np_clu, key=np_clu.get)
    row("triangles per node", "gansci (torch, float32, batched)", tri_s, n)
    row("triangles per node", f"NumPy batched ({best_tri}, its fastest)", np_tri[best_tri], n)
    row("triangles per node", "networkx.triangles", tri_nx_s, n)
    row("clustering per node", "gansci (torch, float32, batched)", clu_s, n)
    row("clustering per node", f"NumPy batched ({best_clu}, its fastest)", np_clu[best_clu], n)
    row("clustering per node", "networkx.clustering", clu_nx_s, n)

    orb_s, orb = best_cpu(lambda: [orbit_counts(g) for g in graphs], 1)
    row("4-node orbits per node", "gansci (dense matrix products)", orb_s, n)
    nx_s, nx_orb = best_cpu(lambda: [networkx_orbits(g) for g in graphs[:k]], 1)
    for ours, theirs in zip(orb, nx_orb, strict=False):
        np.testing.assert_allclose(ours, theirs, atol=1e-9)
    row("4-node orbits per node", "networkx subgraph isomorphism (GraphMatcher)", nx_s, k)
    try:
        from orca import orca_nodes  # orca-graphlets: a Python port of ORCA

        def run_orca():
            return [orca_nodes(np.array(g.edges()), num_nodes=64, graphlet_size=4) for g in graphs]

        orca_s, orca = best_cpu(run_orca, 1)
        np.testing.assert_array_equal(np.array(orca), np.array(orb))
        row("4-node orbits per node", "ORCA (orca-graphlets 0.1.4, Python port)", orca_s, n)
    except ImportError:
        print("orca-graphlets is not installed: no ORCA row")
    try:
        from pyfglt import _fglt_c  # the Fast Graphlet Transform, C++ (its own wrapper's core)

        sparse = [
            sp.csc_matrix(nx.to_scipy_sparse_array(g, nodelist=range(64)), dtype=float)
            for g in graphs
        ]

        def run_fglt():
            with quiet_stdout():
                return [np.asarray(_fglt_c.count(s)[1]).T[:, FGLT_COLUMN] for s in sparse]

        fglt_s, fglt = best_cpu(run_fglt, args.repeats)
        np.testing.assert_array_equal(np.array(fglt), np.array(orb))
        row("4-node orbits per node", "FGLT (pyfglt 0.3.0, C++, CSC input)", fglt_s, n)
    except ImportError:
        print("pyfglt is not installed: no FGLT row")

    print(f"{n} planar graphs of 64 nodes, one thread, CPU seconds (best of {args.repeats} "
          f"for the batched and C++ peers, one pass for the others)")  # fmt: skip
    print("| task | implementation | graphs | CPU ms per graph | gansci is faster by |")
    print("|---|---|---:|---:|---:|")
    ours_ms = {}
    for task, peer, seconds, count in rows:
        ms = 1000 * seconds / count
        ours_ms.setdefault(task, ms)
        ratio = "" if peer.startswith("gansci") else f"{ms / ours_ms[task]:.2f}x"
        print(f"| {task} | {peer} | {count} | {ms:.4f} | {ratio} |")


if __name__ == "__main__":
    main()
