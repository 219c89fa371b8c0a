"""How the SBM validity rule (gansci_graph.metrics.sbm_valid) judges real block-model
graphs, Erdős–Rényi graphs and block models with other parameters.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/graph_sbm_validity.py
"""

import networkx as nx
import numpy as np
from gansci_graph import metrics
from gansci_graph.synthetic import sbm


def generating_blocks(g: nx.Graph) -> list[set]:
    blocks: dict[int, set] = {}
    for v, b in g.nodes(data="block"):
        blocks.setdefault(b, set()).add(v)
    return list(blocks.values())


def p_with_blocks(g: nx.Graph, blocks: list[set]) -> float:
    """block_model_p_value with the given partition instead of Louvain's."""
    louvain = nx.community.louvain_communities
    nx.community.louvain_communities = lambda *a, **k: blocks
    try:
        return metrics.block_model_p_value(g)
    finally:
        nx.community.louvain_communities = louvain


def share_valid(graphs: list[nx.Graph]) -> float:
    return float(np.mean([metrics.sbm_valid(g) for g in graphs]))


def main() -> None:
    real = sbm(200, seed=0)
    found = [nx.community.louvain_communities(g, seed=0) for g in real]
    same = np.mean(
        [
            sorted(map(sorted, f)) == sorted(map(sorted, generating_blocks(g)))
            for f, g in zip(found, real, strict=True)
        ]
    )
    given = np.mean([p_with_blocks(g, generating_blocks(g)) > 0.9 for g in real])
    print(f"real sbm (200, seed 0): valid {share_valid(real):.3f}")
    print(f"Louvain finds the generating blocks in {same:.3f}; valid with them {given:.3f}")
    rng = np.random.default_rng(0)
    er = [
        nx.gnp_random_graph(g.number_of_nodes(), nx.density(g), seed=int(rng.integers(2**31)))
        for g in real
    ]
    print(f"Erdős–Rényi, same sizes and densities: valid {share_valid(er):.3f}")
    for name, params in [("p_in 0.2", {"p_in": 0.2}), ("p_in 0.4", {"p_in": 0.4}),
                         ("p_out 0.03", {"p_out": 0.03})]:  # fmt: skip
        print(f"sbm with {name} (50, seed 1): valid {share_valid(sbm(50, seed=1, **params)):.3f}")


if __name__ == "__main__":
    main()
