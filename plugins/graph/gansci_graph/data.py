"""Graph datasets: dense batches {adj (n, N, N), mask (n, N)} of graphs of up to N nodes,
split train / validation / test with no graph (up to isomorphism) in two splits."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import networkx as nx
import numpy as np
import torch

from gansci.plugin import ConfigError, DataError, Dataset, Kind
from gansci_graph import synthetic
from gansci_graph.formats import check_graph, read_graphs

DOMAINS = ("graph",)
KINDS = {"adj": Kind.ADJACENCY, "mask": Kind.MASK}


def wl_hash(g: nx.Graph) -> str:
    with warnings.catch_warnings():  # networkx 3.5+ notes that its hashes changed; ours agree
        warnings.simplefilter("ignore", UserWarning)
        return nx.weisfeiler_lehman_graph_hash(g, iterations=3)


def isomorphic(g: nx.Graph, h: nx.Graph) -> bool:
    return nx.vf2pp_is_isomorphic(g, h)


def isomorphism_classes(graphs: Sequence[nx.Graph]) -> list[list[int]]:
    """Indices of ``graphs`` grouped by isomorphism: WL hash, confirmed by an exact check
    (equal hashes do not prove isomorphism)."""
    classes: list[list[int]] = []
    by_hash: dict[str, list[int]] = {}
    for i, g in enumerate(graphs):
        bucket = by_hash.setdefault(wl_hash(g), [])
        for c in bucket:
            if isomorphic(graphs[classes[c][0]], g):
                classes[c].append(i)
                break
        else:
            bucket.append(len(classes))
            classes.append([i])
    return classes


def split_sizes(n: int) -> tuple[int, int, int]:
    """The standard split (train, validation, test): test round(0.2 n), train
    round(0.8 (n - test)), the rest validation."""
    test = math.floor(0.2 * n + 0.5)
    train = math.floor(0.8 * (n - test) + 0.5)
    return train, n - test - train, test


def standard_split(
    graphs: Sequence[nx.Graph], seed: int
) -> tuple[list[nx.Graph], list[nx.Graph], list[nx.Graph]]:
    """(train, validation, test) by :func:`split_sizes`, seeded. Isomorphic graphs go to
    one split together (a class that does not fit the test or training split's remaining
    room goes to the next), so no graph of one split is isomorphic to one of another."""
    n_train, _, n_test = split_sizes(len(graphs))
    classes = isomorphism_classes(graphs)
    order = np.random.default_rng(seed).permutation(len(classes))
    test: list[int] = []
    train: list[int] = []
    val: list[int] = []
    for c in order:
        members = classes[c]
        if len(test) + len(members) <= n_test:
            test += members
        elif len(train) + len(members) <= n_train:
            train += members
        else:
            val += members
    return [graphs[i] for i in train], [graphs[i] for i in val], [graphs[i] for i in test]


def to_batch(graphs: Sequence[nx.Graph], max_nodes: int) -> dict[str, torch.Tensor]:
    """Dense float batch of graphs on nodes 0..n-1: adjacency and node mask, padded to
    ``max_nodes``."""
    adj = torch.zeros(len(graphs), max_nodes, max_nodes)
    mask = torch.zeros(len(graphs), max_nodes)
    for i, g in enumerate(graphs):
        n = g.number_of_nodes()
        adj[i, :n, :n] = torch.from_numpy(nx.to_numpy_array(g, nodelist=range(n), weight=None))
        mask[i, :n] = 1
    return {"adj": adj, "mask": mask}


def _graph(adj: np.ndarray, present: np.ndarray) -> nx.Graph:
    rows, cols = np.nonzero(np.triu(adj[np.ix_(present, present)], 1))
    g = nx.empty_graph(int(present.sum()))
    g.add_edges_from(zip(rows.tolist(), cols.tolist(), strict=True))
    return g


class GraphDataset(Dataset):
    """Graphs of up to ``max_nodes`` nodes as dense batches (``adj``: symmetric, zero
    diagonal; ``mask``: the nodes present, first); decoded to networkx graphs.

    ``train_graphs``, ``validation_graphs`` and ``test_graphs`` are the splits as graphs;
    ``node_counts`` the training graphs' sizes, from which generators draw theirs."""

    domains = DOMAINS

    def __init__(
        self,
        train: Sequence[nx.Graph],
        validation: Sequence[nx.Graph],
        test: Sequence[nx.Graph],
        max_nodes: int = 0,
        name: str = "graphs",
    ):
        largest = max(g.number_of_nodes() for g in [*train, *validation, *test])
        if max_nodes and largest > max_nodes:
            raise ConfigError(f"data.max_nodes={max_nodes}, but {name} has a graph of {largest}")
        self.max_nodes = max_nodes or largest
        self.name = name
        self.train_graphs, self.validation_graphs = list(train), list(validation)
        self.test_graphs = list(test)
        super().__init__(
            to_batch(train, self.max_nodes), to_batch(test, self.max_nodes), kinds=KINDS
        )
        self.node_counts = torch.tensor([g.number_of_nodes() for g in train])

    def decode(
        self, batch: dict, generator: torch.Generator | None = None, view: str | None = None
    ) -> list[nx.Graph]:
        """Dense batch -> networkx graphs of the masked-in nodes. A soft adjacency (edge
        probabilities) is sampled edge by edge with ``generator``, or thresholded at 0.5
        without one."""
        adj = batch["adj"].detach().float().cpu()
        present = batch["mask"].detach().cpu().numpy() > 0.5
        if not ((adj == 0) | (adj == 1)).all():
            if generator is None:
                adj = (adj > 0.5).float()
            else:
                draw = torch.rand(adj.shape, generator=generator)
                upper = (draw < adj).float().triu(1)
                adj = upper + upper.transpose(1, 2)
        adj_np = adj.numpy()
        return [_graph(adj_np[i], present[i]) for i in range(len(adj_np))]

    def encode(self, samples: Sequence[nx.Graph], view: str | None = None) -> dict:
        """networkx graphs -> dense batch on this device; each checked (simple, undirected,
        no self-loop, at most ``max_nodes`` nodes)."""
        graphs = [
            check_graph(g, f"graph {i}", max_nodes=self.max_nodes) for i, g in enumerate(samples)
        ]
        return {k: v.to(self.device) for k, v in to_batch(graphs, self.max_nodes).items()}


def synthetic_dataset(name: str, seed: int = 0, max_nodes: int = 0, **params) -> GraphDataset:
    """A benchmark set by its generation recipe (:mod:`gansci_graph.synthetic`), split by
    :func:`standard_split` with the same seed."""
    graphs = synthetic.RECIPES[name](seed=seed, **params)
    return GraphDataset(*standard_split(graphs, seed), max_nodes=max_nodes, name=name)


def community_small(
    n_graphs: int = 100, seed: int = 0, seeded_communities: bool = False, max_nodes: int = 0
) -> GraphDataset:
    """Two G(n/2, 0.7) communities, n ~ U{12..20}, joined by bridges (100 graphs)."""
    return synthetic_dataset(
        "community-small", seed, max_nodes, n_graphs=n_graphs, seeded_communities=seeded_communities
    )


def planar(
    n_graphs: int = 200, seed: int = 0, n_nodes: int = 64, max_nodes: int = 0
) -> GraphDataset:
    """Delaunay triangulations of 64 uniform points in the unit square (200 graphs)."""
    return synthetic_dataset("planar", seed, max_nodes, n_graphs=n_graphs, n_nodes=n_nodes)


def sbm(n_graphs: int = 200, seed: int = 0, max_nodes: int = 0) -> GraphDataset:
    """Stochastic block models: 2-5 blocks of 20-40 nodes, p_in 0.3, p_out 0.005."""
    return synthetic_dataset("sbm", seed, max_nodes, n_graphs=n_graphs)


def grid(n_graphs: int = 100, seed: int = 0, max_nodes: int = 0) -> GraphDataset:
    """2-D grids, 10..19 nodes a side (100 graphs, up to 361 nodes)."""
    return synthetic_dataset("grid", seed, max_nodes, n_graphs=n_graphs)


def lobster(n_graphs: int = 100, seed: int = 0, max_nodes: int = 0) -> GraphDataset:
    """Random lobsters (random_lobster(80, 0.7, 0.7)) of 10 to 100 nodes (100 graphs)."""
    return synthetic_dataset("lobster", seed, max_nodes, n_graphs=n_graphs)


def graph_file(
    path: str = "", seed: int = 0, max_nodes: int = 0, drop_self_loops: bool = False
) -> GraphDataset:
    """Your own graphs (``data.path=FILE``): a graph6/sparse6 file, a ``.pt`` list of
    torch_geometric Data, a TU dataset folder or a folder of GraphML, GML or edge-list
    files, split by :func:`standard_split`."""
    if not path:
        raise ConfigError("dataset 'graph_file' reads graphs: give them with data.path=FILE")
    graphs = read_graphs(path, drop_self_loops, max_nodes)
    if len(graphs) < 10:
        raise DataError(f"{path}: holds {len(graphs)} graph(s); at least 10 are needed")
    return GraphDataset(*standard_split(graphs, seed), max_nodes=max_nodes, name=str(path))
