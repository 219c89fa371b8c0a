"""What generated community-small graphs get right and wrong: sizes, edges, triangles,
connectedness, the edges cut by the best bisection (real graphs: one bridge between two
communities) and the mean induced orbit counts, against the dataset's real graphs.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/graph_recipe.py graph-community-small \\
        --samples-out runs/cs.g6 ...
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/graph_samples_shape.py runs/cs.g6
"""

import argparse
from collections import Counter

import networkx as nx
import numpy as np
from gansci_graph.data import community_small
from gansci_graph.formats import read_graph6
from gansci_graph.metrics import mean_orbit_counts


def cut_edges(g: nx.Graph) -> int:
    """Edges between the halves of a Kernighan-Lin bisection (seeded)."""
    half, _ = nx.community.kernighan_lin_bisection(g, seed=0)
    return sum((u in half) != (v in half) for u, v in g.edges())


def describe(name: str, graphs: list[nx.Graph]) -> None:
    edges = np.array([g.number_of_edges() for g in graphs])
    triangles = np.array([sum(nx.triangles(g).values()) / 3 for g in graphs])
    orbits = np.array([mean_orbit_counts(g) for g in graphs])
    cuts = Counter(min(cut_edges(g), 5) for g in graphs)
    print(f"{name}: {len(graphs)} graphs, nodes {np.mean([len(g) for g in graphs]):.1f}, "
          f"edges {edges.mean():.1f}, triangles {triangles.mean():.1f}, disconnected "
          f"{np.mean([not nx.is_connected(g) for g in graphs]):.3f}")  # fmt: skip
    print("  bisection cuts (5: 5 or more):",
          {k: round(cuts[k] / len(graphs), 3) for k in sorted(cuts)})  # fmt: skip
    print("  mean orbit counts 0-14:", np.round(orbits.mean(0), 1).tolist())
    print("  their spread          :", np.round(orbits.std(0), 1).tolist())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("samples", help="a .g6 file of generated community-small graphs")
    args = p.parse_args()
    data = community_small()
    describe("real (train + test)", data.train_graphs + data.test_graphs)
    describe("generated", read_graph6(args.samples))


if __name__ == "__main__":
    main()
