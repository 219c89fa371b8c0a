"""Registrations of the graph plugin: datasets, networks, metrics, recipes, formats, figures."""

from __future__ import annotations

from gansci.plugin import FigureSpec, FormatSpec, MetricSpec, RecipeSpec, Spec, Target, hookimpl
from gansci_graph import data, figures, formats, metrics, nets

GRAPH = data.DOMAINS


@hookimpl
def gansci_datasets() -> list[Spec]:
    return [
        Spec("community-small", data.community_small.__doc__, data.community_small, GRAPH),
        Spec("planar", data.planar.__doc__, data.planar, GRAPH),
        Spec("sbm", data.sbm.__doc__, data.sbm, GRAPH),
        Spec("grid", data.grid.__doc__, data.grid, GRAPH),
        Spec("lobster", data.lobster.__doc__, data.lobster, GRAPH),
        Spec(
            "graph_file",
            "your graphs (data.path=): graph6, .pt Data list, TU folder, GraphML/GML/edge lists",
            data.graph_file,
            GRAPH,
        ),
    ]


@hookimpl
def gansci_generators() -> list[Spec]:
    return [
        Spec(
            "graph_oneshot",
            "node count + symmetric edge logits, straight-through discrete edges",
            nets.OneShotGenerator,
            GRAPH,
        )
    ]


@hookimpl
def gansci_discriminators() -> list[Spec]:
    return [
        Spec("gnn", "dense GIN/GraphConv layers, sum pooling", nets.GNNDiscriminator, GRAPH),
        Spec("motif", "MLP on differentiable motif statistics", nets.MotifDiscriminator, GRAPH),
        Spec("gnn+motif", "the GNN and motif discriminators, summed", nets.GNNPlusMotif, GRAPH),
    ]


#: Each MMD at most twice the train-vs-test reference (issue 15's planar figure; its
#: stricter community-small 1.5x and sbm 1.6x are judged in benchmarks/graph_recipe.py:
#: on 40 graphs the reference itself varies by more than 1.5x between draws).
MMD_TARGETS = {k: Target("times", 2.0) for k in ("degree", "clustering", "orbit", "spectral")}


@hookimpl
def gansci_metrics() -> list[MetricSpec]:
    return [
        MetricSpec(
            "graph_mmd",
            "MMD² of degree, clustering, 4-node orbit and spectral descriptors (GRAN kernels)",
            metrics.graph_mmd,
            GRAPH,
            targets=MMD_TARGETS,
        ),
        MetricSpec(
            "graph_mmd_emd",
            "MMD² of degree and clustering histograms, Gaussian-EMD kernel (GraphRNN's)",
            metrics.graph_mmd_emd,
            GRAPH,
        ),
        MetricSpec(
            "graph_motifs",
            "edge, wedge, triangle, 4-cycle, 3-star counts: W1 per count, MMD² test",
            metrics.motif_statistics,
            GRAPH,
        ),
        MetricSpec(
            "graph_validity",
            "unique, novel (WL hash + isomorphism), valid and V.U.N. where defined",
            metrics.validity,
            GRAPH,
        ),
    ]


@hookimpl
def gansci_formats() -> list[FormatSpec]:
    return [
        FormatSpec(".g6", "graph6, one graph a line", GRAPH, formats.write_graph6,
                   formats.read_graph6),
        FormatSpec(".graphml", "a folder of GraphML files, one a graph", GRAPH,
                   formats.write_folder, formats.read_folder),
        FormatSpec(".pt", "a list of torch_geometric Data (loaded with weights_only)", GRAPH,
                   formats.write_pt, formats.read_pt),
    ]  # fmt: skip


@hookimpl
def gansci_figures() -> list[FigureSpec]:
    return [FigureSpec("graph_samples", "generated and real graphs", figures.sample_grid, GRAPH)]


def community_small_recipe() -> dict:
    return {
        "data": {"name": "community-small"},
        "networks": {
            "G": {"name": "graph_oneshot", "latent_dim": 32, "hidden": 128, "embed": 32},
            "D": {"name": "gnn+motif", "hidden": 64, "layers": 3},
        },
        "game": {"name": "standard", "loss": "ns", "penalty": "r1", "penalty_weight": 1.0},
        "train": {
            "steps": 3000,
            "batch_size": 64,
            "lr": 2e-4,
            "betas": [0.5, 0.999],
            "ema": 0.99,
            "log_every": 100,
            "checkpoint_every": 1000,
        },
        "validate": {"n_samples": 20},
    }


def large_recipe(dataset: str, steps: int, batch_size: int) -> dict:
    """planar and sbm: the community-small recipe widened for graphs of 64 to 200 nodes,
    with transformer layers in the generator so node embeddings can coordinate."""
    recipe = community_small_recipe()
    recipe["data"] = {"name": dataset}
    recipe["networks"]["G"].update(latent_dim=64, hidden=256, embed=64, layers=2)
    recipe["train"].update(steps=steps, batch_size=batch_size)
    recipe["validate"] = {"n_samples": 40}
    return recipe


@hookimpl
def gansci_recipes() -> list[RecipeSpec]:
    return [
        RecipeSpec(
            "graph-community-small",
            "community-small, one-shot generator vs GNN + motif discriminators",
            community_small_recipe(),
        ),
        RecipeSpec(
            "graph-planar",
            "planar (64 nodes), one-shot transformer generator vs GNN + motif discriminators",
            large_recipe("planar", 10_000, 32),
        ),
        RecipeSpec(
            "graph-sbm",
            "sbm (44-200 nodes), one-shot transformer generator vs GNN + motif discriminators",
            large_recipe("sbm", 3_000, 32),
        ),
    ]
