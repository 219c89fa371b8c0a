"""Graph files: graph6 and GraphML round trips, and every bad input a one-line DataError
naming the file (and line) with nothing written."""

from __future__ import annotations

import networkx as nx
import pytest
from gansci_graph.data import graph_file
from gansci_graph.formats import read_folder, read_graph6, read_graphs, write_folder, write_graph6

from gansci.cli import main
from gansci.plugin import DataError


def _graphs(k: int = 12) -> list[nx.Graph]:
    return [nx.gnp_random_graph(8 + i % 5, 0.4, seed=i) for i in range(k)]


def _same(a: list[nx.Graph], b: list[nx.Graph]) -> bool:
    def key(g: nx.Graph) -> tuple:
        return g.number_of_nodes(), sorted(tuple(sorted(e)) for e in g.edges())

    return [key(g) for g in a] == [key(g) for g in b]


def _loop_line() -> bytes:
    g = nx.MultiGraph([(0, 0), (1, 2)])
    g.add_nodes_from(range(7))
    return nx.to_sparse6_bytes(g, header=False)


def test_graph6_round_trip(tmp_path):
    graphs = _graphs()
    write_graph6(graphs, tmp_path / "g.g6")
    assert len((tmp_path / "g.g6").read_text().splitlines()) == len(graphs)
    assert _same(read_graph6(tmp_path / "g.g6"), graphs)
    # a header, blank lines and a sparse6 line are read too
    text = ">>graph6<<" + (tmp_path / "g.g6").read_text() + "\n\n"
    text += nx.to_sparse6_bytes(nx.cycle_graph(5), header=False).decode()
    (tmp_path / "h.g6").write_text(text)
    back = read_graph6(tmp_path / "h.g6")
    assert _same(back[:-1], graphs) and nx.is_isomorphic(back[-1], nx.cycle_graph(5))


def test_graphml_folder_round_trip(tmp_path):
    graphs = _graphs(5)
    write_folder(graphs, tmp_path / "out.graphml")
    assert sorted(p.name for p in (tmp_path / "out.graphml").iterdir())[0] == "00000.graphml"
    assert _same(read_folder(tmp_path / "out.graphml"), graphs)
    with pytest.raises(DataError, match="not an empty folder"):
        write_folder(graphs, tmp_path / "out.graphml")
    nx.write_gml(nx.star_graph(4), tmp_path / "one.gml")
    nx.write_edgelist(nx.path_graph(5), tmp_path / "two.edgelist", data=False)
    assert nx.is_isomorphic(read_graphs(tmp_path / "one.gml")[0], nx.star_graph(4))
    assert nx.is_isomorphic(read_graphs(tmp_path / "two.edgelist")[0], nx.path_graph(5))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "holds no graph"),
        (b"\n\n", "holds no graph"),
        (b"Dhc\nD??~~~\n", "line 2: not a valid graph6/sparse6 line"),
        (b"Dhc\n&DI?AO?\n", "line 2: a directed graph"),
        (_loop_line(), "line 1: 1 self-loop"),  # sparse6 can hold loops
        (b"?\n", "line 1: a graph without nodes"),
    ],
)
def test_bad_graph6_files(tmp_path, content, message):
    path = tmp_path / "bad.g6"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        read_graph6(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_self_loops_can_be_dropped_and_node_counts_capped(tmp_path):
    path = tmp_path / "loops.g6"
    path.write_bytes(_loop_line())
    (g,) = read_graph6(path, drop_self_loops=True)
    assert nx.number_of_selfloops(g) == 0 and g.number_of_nodes() == 7
    write_graph6([nx.path_graph(5), nx.path_graph(30)], tmp_path / "big.g6")
    with pytest.raises(DataError, match=r"big.g6: line 2: 30 nodes, above the maximum of 20"):
        read_graph6(tmp_path / "big.g6", max_nodes=20)


def test_directed_and_multigraphs_in_a_folder(tmp_path):
    (tmp_path / "d").mkdir()
    nx.write_graphml(nx.DiGraph([(0, 1), (1, 2)]), tmp_path / "d" / "a.graphml")
    with pytest.raises(DataError, match=r"a.graphml: a directed graph"):
        read_folder(tmp_path / "d")
    (tmp_path / "m").mkdir()
    nx.write_graphml(nx.MultiGraph([(0, 1), (0, 1), (1, 2)]), tmp_path / "m" / "a.graphml")
    with pytest.raises(DataError, match=r"a.graphml: a multigraph"):
        read_folder(tmp_path / "m")
    (tmp_path / "x.graphml").write_text("<graphml><graph><node id=")
    with pytest.raises(DataError, match=r"x.graphml: cannot read as graphml"):
        read_folder(tmp_path / "x.graphml")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no graph file"):
        read_folder(tmp_path / "empty")


def test_user_graph_file_dataset_and_bad_file_through_the_cli(tmp_path, capsys):
    write_graph6(_graphs(20), tmp_path / "mine.g6")
    data = graph_file(str(tmp_path / "mine.g6"))
    assert (data.n_train, len(data.validation_graphs), data.n_test) == (13, 3, 4)
    bad = tmp_path / "bad.g6"
    bad.write_bytes(b"Dhc\nnot graph6 at all\n")
    run = tmp_path / "run"
    args = ["run", "graph-community-small", "--out", str(run), "--device", "cpu"]
    args += ["--set", "data.name=graph_file", "--set", f"data.path={bad}"]
    assert main(args) != 0
    err = capsys.readouterr().err.strip()
    assert "bad.g6: line 2: not a valid graph6/sparse6 line" in err and "\n" not in err
    assert not run.exists() or not any(run.iterdir())


def test_pt_list_of_data_round_trip_and_bad_files(tmp_path):
    import torch
    from gansci_graph.formats import read_pt, write_pt
    from torch_geometric.data import Data

    graphs = _graphs() + [nx.empty_graph(3)]  # an edgeless graph keeps its nodes
    write_pt(graphs, tmp_path / "g.pt")
    assert _same(read_pt(tmp_path / "g.pt"), graphs)
    assert _same(read_graphs(tmp_path / "g.pt"), graphs)

    def bad(items, message):
        torch.save(items, tmp_path / "bad.pt")
        with pytest.raises(DataError, match=message):
            read_pt(tmp_path / "bad.pt")

    bad([Data(edge_index=torch.tensor([[0], [1]]), num_nodes=2)], r"bad.pt: graph 0: a directed")
    twice = torch.tensor([[0, 1, 0, 1], [1, 0, 1, 0]])
    bad([Data(edge_index=twice, num_nodes=2)], r"graph 0: a multigraph")
    bad([Data(edge_index=torch.tensor([[0, 5], [5, 0]]), num_nodes=2)], r"outside 0..1")
    bad({"not": "a list"}, r"bad.pt: holds dict, not a list of Data")

    class Evil:  # anything beyond plain tensors and Data is refused, never unpickled
        def __reduce__(self):
            return (print, ("unpickled",))

    bad([Evil()], r"bad.pt: not a list of torch_geometric Data")


def test_tu_dataset_folder(tmp_path):
    raw = tmp_path / "TOY" / "raw"
    raw.mkdir(parents=True)
    # graph 1: triangle on nodes 1-3; graph 2: an edge 4-5 and an isolated node 6
    edges = [(1, 2), (2, 1), (2, 3), (3, 2), (1, 3), (3, 1), (4, 5), (5, 4)]
    (raw / "TOY_A.txt").write_text("".join(f"{u}, {v}\n" for u, v in edges))
    (raw / "TOY_graph_indicator.txt").write_text("1\n1\n1\n2\n2\n2\n")
    graphs = read_graphs(tmp_path / "TOY")
    assert [g.number_of_nodes() for g in graphs] == [3, 3]
    assert [sorted(g.edges()) for g in graphs] == [[(0, 1), (0, 2), (1, 2)], [(0, 1)]]
    (raw / "TOY_A.txt").write_text("1, 2\n2, 1\n3, 4\n4, 3\n")
    with pytest.raises(DataError, match=r"TOY_A.txt: line 3: an edge between two graphs"):
        read_graphs(tmp_path / "TOY")
    (raw / "TOY_A.txt").write_text("1, 2\n")
    with pytest.raises(DataError, match=r"TOY: graph 1: a directed graph"):
        read_graphs(tmp_path / "TOY")
