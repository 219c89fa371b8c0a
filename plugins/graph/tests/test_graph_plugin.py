"""Conformance of every registration, and a short end-to-end run through the CLI."""

from __future__ import annotations

import json

from gansci_graph.formats import read_folder, read_graph6, read_pt

from gansci.cli import main
from gansci.plugin import check_plugin

SMALL = {
    "community-small": {"n_graphs": 20},
    "planar": {"n_graphs": 20, "n_nodes": 16},
    "sbm": {"n_graphs": 10},
    "grid": {"n_graphs": 10},
    "lobster": {"n_graphs": 10},
}


def test_conformance(tmp_path):
    from gansci_graph.formats import write_graph6
    from gansci_graph.synthetic import community_small

    write_graph6(community_small(n_graphs=12, seed=5), tmp_path / "mine.g6")
    params = SMALL | {"graph_file": {"path": str(tmp_path / "mine.g6")}}
    checked = check_plugin("graph", tmp_path, dataset_params=params)
    assert set(checked["datasets"]) == set(SMALL) | {"graph_file"}
    assert len(checked["discriminators"]) == 3 * 6 and len(checked["metrics"]) == 4 * 6
    assert ".g6 on planar" in checked["formats"] and ".graphml on sbm" in checked["formats"]
    assert checked["recipes"] == ["graph-community-small", "graph-planar", "graph-sbm"]


def test_end_to_end_run_sample_validate(tmp_path, capsys):
    run = tmp_path / "run"
    args = ["run", "graph-community-small", "--out", str(run), "--device", "cpu"]
    for kv in ["train.steps=3", "train.log_every=1", "data.n_graphs=40"]:
        args += ["--set", kv]
    assert main(args) == 0
    assert (run / "report.md").is_file() and (run / "figures" / "graph_samples.png").is_file()
    rows = {
        f"{r['metric']}.{r['key']}": r for r in json.loads((run / "validation.json").read_text())
    }
    assert {"graph_mmd.orbit", "graph_motifs.p_value", "graph_validity.novel"} <= set(rows)
    assert rows["graph_validity.novel"]["baseline"] == 0.0  # training graphs are not novel
    out = tmp_path / "x.g6"
    assert main(["sample", str(run), "-n", "30", "-o", str(out)]) == 0
    graphs = read_graph6(out)
    assert len(graphs) == 30 and all(12 <= g.number_of_nodes() <= 20 for g in graphs)
    assert main(["sample", str(run), "-n", "5", "-o", str(tmp_path / "y.graphml")]) == 0
    assert len(read_folder(tmp_path / "y.graphml")) == 5
    assert main(["sample", str(run), "-n", "4", "-o", str(tmp_path / "z.pt")]) == 0
    assert len(read_pt(tmp_path / "z.pt")) == 4
    assert main(["validate", str(run), "--samples", str(out)]) == 0
    capsys.readouterr()
    before = (run / "validation.json").read_text()
    bad = tmp_path / "bad.g6"
    bad.write_text("Dhc\n&DI?AO?\n")
    assert main(["validate", str(run), "--samples", str(bad)]) != 0
    assert "bad.g6: line 2: a directed graph" in capsys.readouterr().err
    assert (run / "validation.json").read_text() == before  # nothing written
