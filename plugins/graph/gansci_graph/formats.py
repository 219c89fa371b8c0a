"""Graph files in and out: graph6/sparse6 lines and folders of GraphML, GML or edge lists,
each graph checked (simple, undirected, no self-loops) and every fault named by file and
line. Nothing here unpickles: every reader parses text."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

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


def read_graphs(
    path: str | Path, drop_self_loops: bool = False, max_nodes: int = 0
) -> list[nx.Graph]:
    """A user's graphs: a graph6/sparse6 file (``.g6``, ``.s6``, ``.txt``) or a folder
    (or single file) of GraphML, GML or edge lists."""
    path = Path(path)
    if path.suffix in (".g6", ".s6", ".txt"):
        return read_graph6(path, drop_self_loops, max_nodes)
    return read_folder(path, drop_self_loops, max_nodes)
