"""Graph files in and out: graph6/sparse6 lines, folders of GraphML, GML or edge lists,
lists of torch_geometric ``Data`` (``.pt``) and TU datasets (their raw text files), each
graph checked (simple, undirected, no self-loops) and every fault named by file and line.
Nothing user-supplied is unpickled: ``.pt`` files load with ``weights_only=True`` and
only torch_geometric's Data classes allowed."""

from __future__ import annotations

import io
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import torch

from gansci.plugin import DataError

GRAPH6_HEADERS = (b">>graph6<<", b">>sparse6<<")
FOLDER_SUFFIXES = (".graphml", ".gml", ".edgelist", ".edges")


def check_graph(
    g: nx.Graph, where: str, drop_self_loops: bool = False, max_nodes: int = 0
) -> nx.Graph:
    """``g`` as a simple undirected graph on nodes 0..n-1, or a DataError naming ``where``
    for a directed graph, a multigraph, (unless ``drop_self_loops``) a self-loop, no node,
    or more than ``max_nodes`` nodes (when it is set)."""
    if g.number_of_nodes() == 0:
        raise DataError(f"{where}: a graph without nodes")
    if max_nodes and g.number_of_nodes() > max_nodes:
        raise DataError(f"{where}: {g.number_of_nodes()} nodes, above the maximum of {max_nodes}")
    if g.is_directed():
        raise DataError(f"{where}: a directed graph; graphs here are undirected")
    if g.is_multigraph():
        if any(g.number_of_edges(u, v) > 1 for u, v in g.edges()):
            raise DataError(f"{where}: a multigraph (parallel edges); graphs here are simple")
        g = nx.Graph(g)
    loops = nx.number_of_selfloops(g)
    if loops:
        if not drop_self_loops:
            raise DataError(
                f"{where}: {loops} self-loop(s); graphs here have none "
                "(drop them with data.drop_self_loops=true)"
            )
        g = nx.Graph(g)
        g.remove_edges_from(nx.selfloop_edges(g))
    return nx.convert_node_labels_to_integers(g)


def _parse_line(line: bytes, where: str) -> nx.Graph:
    if line.startswith(b"&"):
        raise DataError(f"{where}: a directed graph (digraph6); graphs here are undirected")
    try:
        read = nx.from_sparse6_bytes if line.startswith(b":") else nx.from_graph6_bytes
        g = read(line)
    except Exception as exc:  # networkx raises NetworkXError, ValueError or IndexError
        raise DataError(f"{where}: not a valid graph6/sparse6 line ({exc})") from None
    return g


def read_graph6(
    path: str | Path, drop_self_loops: bool = False, max_nodes: int = 0
) -> list[nx.Graph]:
    """The graphs of a graph6 or sparse6 file, one a line (a ``>>graph6<<`` header and
    blank lines allowed)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such graph file")
    graphs = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        line = raw.strip()
        for header in GRAPH6_HEADERS:
            if line.startswith(header):
                line = line[len(header) :]
        if not line:
            continue
        where = f"{path}: line {number}"
        graphs.append(check_graph(_parse_line(line, where), where, drop_self_loops, max_nodes))
    if not graphs:
        raise DataError(f"{path}: holds no graph; a graph6 file has one graph a line")
    return graphs


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_graph6(graphs: Sequence[nx.Graph], path: str | Path) -> None:
    """One graph6 line a graph, written whole or not at all."""
    lines = [nx.to_graph6_bytes(check_graph(g, f"graph {i}"), header=False)
             for i, g in enumerate(graphs)]  # fmt: skip
    _atomic_write(Path(path), b"".join(lines))


def _read_one(path: Path, drop_self_loops: bool, max_nodes: int) -> nx.Graph:
    try:
        if path.suffix == ".graphml":
            g = nx.read_graphml(path)
        elif path.suffix == ".gml":
            g = nx.read_gml(path, label=None)
        else:
            g = nx.read_edgelist(path, data=False)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read as {path.suffix[1:]} ({first})") from None
    return check_graph(g, str(path), drop_self_loops, max_nodes)


def read_folder(
    path: str | Path, drop_self_loops: bool = False, max_nodes: int = 0
) -> list[nx.Graph]:
    """The graphs of a folder of GraphML, GML or edge-list files (in name order), or of
    one such file."""
    path = Path(path)
    if path.is_file():
        return [_read_one(path, drop_self_loops, max_nodes)]
    if not path.is_dir():
        raise DataError(f"{path}: no such graph file or folder")
    files = sorted(p for p in path.iterdir() if p.suffix in FOLDER_SUFFIXES)
    if not files:
        raise DataError(f"{path}: holds no graph file ({', '.join(FOLDER_SUFFIXES)})")
    return [_read_one(p, drop_self_loops, max_nodes) for p in files]


def write_folder(graphs: Sequence[nx.Graph], path: str | Path) -> None:
    """One GraphML file a graph, ``00000.graphml`` ..., in a new (or empty) folder."""
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        path.unlink()  # the empty placeholder of an atomic writer's temporary name
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise DataError(f"{path}: exists and is not an empty folder; choose a new name")
    checked = [check_graph(g, f"graph {i}") for i, g in enumerate(graphs)]
    path.mkdir(parents=True, exist_ok=True)
    for i, g in enumerate(checked):
        nx.write_graphml(g, path / f"{i:05d}.graphml")


def _data_classes() -> list[type]:
    from torch_geometric.data import Data  # heavy: only when a .pt file is read
    from torch_geometric.data.data import DataEdgeAttr, DataTensorAttr
    from torch_geometric.data.storage import GlobalStorage

    return [Data, DataEdgeAttr, DataTensorAttr, GlobalStorage]


def _from_edges(pairs: list[tuple[int, int]], n: int, where: str) -> nx.Graph:
    """The undirected graph of directed pairs that hold every edge both ways (PyG's
    convention), or a DataError for a missing reverse, a repeated pair or a bad node."""
    bad = [p for p in pairs if not (0 <= p[0] < n and 0 <= p[1] < n)]
    if bad:
        raise DataError(f"{where}: edge {bad[0]} names a node outside 0..{n - 1}")
    counts = Counter(pairs)
    if any(c > 1 for c in counts.values()):
        raise DataError(f"{where}: a multigraph (parallel edges); graphs here are simple")
    one_way = [p for p in counts if p[::-1] not in counts]
    if one_way:
        raise DataError(f"{where}: a directed graph (edge {one_way[0]} has no reverse)")
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(pairs)
    return g


def read_pt(path: str | Path, drop_self_loops: bool = False, max_nodes: int = 0) -> list[nx.Graph]:
    """The graphs of a ``.pt`` file holding a list of torch_geometric ``Data`` (its
    ``edge_index`` with both directions of every edge, and ``num_nodes``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such graph file")
    Data = _data_classes()[0]
    try:
        with torch.serialization.safe_globals(_data_classes()):
            items = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path}: not a list of torch_geometric Data ({first})") from None
    if not isinstance(items, list | tuple) or not items:
        raise DataError(f"{path}: holds {type(items).__name__}, not a list of Data")
    graphs = []
    for i, d in enumerate(items):
        where = f"{path}: graph {i}"
        if not isinstance(d, Data) or d.edge_index is None or d.num_nodes is None:
            raise DataError(f"{where}: not a torch_geometric Data with edge_index and num_nodes")
        pairs = [tuple(e) for e in d.edge_index.t().tolist()]
        g = _from_edges(pairs, int(d.num_nodes), where)
        graphs.append(check_graph(g, where, drop_self_loops, max_nodes))
    return graphs


def write_pt(graphs: Sequence[nx.Graph], path: str | Path) -> None:
    """A list of torch_geometric ``Data`` (edge_index both ways, num_nodes), whole or not
    at all; read back with ``torch.load(..., weights_only=True)`` in
    ``torch.serialization.safe_globals`` of the Data classes, as :func:`read_pt` does."""
    Data = _data_classes()[0]
    items = []
    for i, g in enumerate(graphs):
        g = check_graph(g, f"graph {i}")
        edges = torch.tensor(list(g.edges()), dtype=torch.long).reshape(-1, 2)
        both = torch.cat([edges, edges.flip(1)]).t().contiguous()
        items.append(Data(edge_index=both, num_nodes=g.number_of_nodes()))
    buffer = io.BytesIO()
    torch.save(items, buffer)
    _atomic_write(Path(path), buffer.getvalue())


def read_tu(path: str | Path, drop_self_loops: bool = False, max_nodes: int = 0) -> list[nx.Graph]:
    """The graphs of a TU dataset from its local folder (``NAME/`` or ``NAME/raw/`` with
    ``NAME_A.txt``, one ``i, j`` line per directed edge, and ``NAME_graph_indicator.txt``,
    the graph of each node, both 1-based), read as text: nothing is downloaded or
    unpickled, unlike torch_geometric's TUDataset."""
    path = Path(path)
    name = path.name
    folder = path / "raw" if (path / "raw" / f"{name}_A.txt").is_file() else path
    files = [folder / f"{name}_A.txt", folder / f"{name}_graph_indicator.txt"]
    for f in files:
        if not f.is_file():
            raise DataError(f"{f}: missing; a TU dataset folder NAME holds NAME_A.txt and "
                            "NAME_graph_indicator.txt")  # fmt: skip
    try:
        edges = np.loadtxt(files[0], delimiter=",", dtype=np.int64, ndmin=2)
        graph_of = np.loadtxt(files[1], dtype=np.int64, ndmin=1)
    except ValueError as exc:
        raise DataError(f"{files[0].parent}: not TU text files ({exc})") from None
    if edges.shape[1] != 2:
        raise DataError(f"{files[0]}: lines must be 'i, j'")
    ids = np.unique(graph_of)
    first = {k: int(np.flatnonzero(graph_of == k)[0]) for k in ids}
    pairs_of: dict[int, list[tuple[int, int]]] = {int(k): [] for k in ids}
    for line, (u, v) in enumerate(edges.tolist(), start=1):
        if not (1 <= u <= len(graph_of) and 1 <= v <= len(graph_of)):
            raise DataError(f"{files[0]}: line {line}: node outside 1..{len(graph_of)}")
        k = int(graph_of[u - 1])
        if graph_of[v - 1] != k:
            raise DataError(f"{files[0]}: line {line}: an edge between two graphs")
        pairs_of[k].append((u - 1 - first[k], v - 1 - first[k]))
    graphs = []
    for k in ids:
        where = f"{path}: graph {int(k)}"
        g = _from_edges(pairs_of[int(k)], int((graph_of == k).sum()), where)
        graphs.append(check_graph(g, where, drop_self_loops, max_nodes))
    return graphs


def read_graphs(
    path: str | Path, drop_self_loops: bool = False, max_nodes: int = 0
) -> list[nx.Graph]:
    """A user's graphs: a graph6/sparse6 file (``.g6``, ``.s6``, ``.txt``), a ``.pt``
    list of torch_geometric Data, a TU dataset folder (``NAME`` holding ``NAME_A.txt``),
    or a folder (or single file) of GraphML, GML or edge lists."""
    path = Path(path)
    if path.suffix in (".g6", ".s6", ".txt"):
        return read_graph6(path, drop_self_loops, max_nodes)
    if path.suffix == ".pt":
        return read_pt(path, drop_self_loops, max_nodes)
    if (path / f"{path.name}_A.txt").is_file() or (path / "raw" / f"{path.name}_A.txt").is_file():
        return read_tu(path, drop_self_loops, max_nodes)
    return read_folder(path, drop_self_loops, max_nodes)
