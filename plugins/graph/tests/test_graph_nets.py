"""Networks: the generator's graphs are valid (symmetric, no loops, masked, discrete in
training) with sizes from the training distribution; discriminators give (n,) logits."""

from __future__ import annotations

import pytest
import torch
from gansci_graph.data import community_small
from gansci_graph.nets import (
    GNNDiscriminator,
    GNNPlusMotif,
    MotifDiscriminator,
    OneShotGenerator,
    edge_density,
)

from gansci.plugin import ConfigError


@pytest.fixture(scope="module")
def data():
    return community_small(n_graphs=40)


def _check_graph_batch(batch, n_max: int) -> None:
    adj, mask = batch["adj"], batch["mask"]
    assert adj.shape[1:] == (n_max, n_max) and mask.shape[1:] == (n_max,)
    assert torch.equal(adj, adj.transpose(1, 2))
    assert (adj.diagonal(dim1=1, dim2=2) == 0).all()
    absent = (1 - mask)[:, :, None] + (1 - mask)[:, None, :]
    assert (adj[absent > 0] == 0).all()
    # present nodes come first
    assert torch.equal(mask, mask.sort(1, descending=True).values)


@pytest.mark.parametrize(("mode", "edge_head", "layers"),
                         [("gumbel", "bilinear", 0), ("bernoulli", "mlp", 1)])  # fmt: skip
def test_generator_output_is_a_valid_graph_batch(data, mode, edge_head, layers):
    torch.manual_seed(0)
    G = OneShotGenerator(data, latent_dim=8, hidden=32, embed=8, layers=layers, mode=mode,
                         edge_head=edge_head)  # fmt: skip
    z = torch.randn(64, 8)
    batch = G(z)
    _check_graph_batch(batch, data.max_nodes)
    assert ((batch["adj"] == 0) | (batch["adj"] == 1)).all()  # hard forward
    # straight-through: the hard graph carries the gradient of the soft one
    batch["adj"].sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.edge.parameters())
    G.eval()
    probs = G(z)
    _check_graph_batch(probs, data.max_nodes)
    assert ((probs["adj"] > 0) & (probs["adj"] < 1)).any()  # eval: edge probabilities
    assert torch.equal(probs["mask"], batch["mask"])  # the size is a function of z


def test_generator_sizes_follow_the_training_distribution(data):
    G = OneShotGenerator(data)
    sizes = G.node_counts(torch.randn(20000, G.latent_dim))
    real = data.node_counts
    for k in range(int(real.min()), int(real.max()) + 1):
        share, expected = (sizes == k).float().mean().item(), (real == k).float().mean().item()
        assert share == pytest.approx(expected, abs=0.02)
    assert set(sizes.tolist()) <= set(real.tolist())


def test_density_init_starts_near_the_training_density(data):
    torch.manual_seed(0)
    G = OneShotGenerator(data).eval()
    batch = G(torch.randn(256, G.latent_dim))
    mask = batch["mask"]
    pairs = (mask.sum(1) * (mask.sum(1) - 1)).sum()
    assert (batch["adj"].sum() / pairs).item() == pytest.approx(edge_density(data), abs=0.1)


def test_discriminators_give_finite_logits(data):
    real = data.sample(16)
    G = OneShotGenerator(data)
    nets = [GNNDiscriminator(data), GNNDiscriminator(data, conv="graphconv", node_input="constant"),
            GNNDiscriminator(data, node_input="structural"),
            MotifDiscriminator(data), MotifDiscriminator(data, statistics=["edges", "triangles"]),
            GNNPlusMotif(data)]  # fmt: skip
    for D in nets:
        fake = G(torch.randn(16, G.latent_dim))
        for batch in (real, fake):
            out = D(batch)
            assert out.shape == (16,) and torch.isfinite(out).all()
        out.sum().backward()  # the gradient reaches the generator through D
    assert G.trunk[0].weight.grad is not None


def test_motif_discriminator_sees_only_its_statistics(data):
    D = MotifDiscriminator(data, statistics=["edges"])
    real = data.sample(4)
    # relabelling the nodes of a graph (same statistics) leaves the logit unchanged
    keep = real["mask"].sum(1).min().int()
    perm = torch.cat([torch.randperm(int(keep)), torch.arange(int(keep), data.max_nodes)])
    moved = {"adj": real["adj"][:, perm][:, :, perm], "mask": real["mask"][:, perm]}
    torch.testing.assert_close(D(moved), D(real))
    assert D.features(real).shape == (4, 2)  # node share and edges


def test_bad_network_options(data):
    with pytest.raises(ConfigError, match="valid: gumbel, bernoulli"):
        OneShotGenerator(data, mode="soft")
    with pytest.raises(ConfigError, match="valid: bilinear, mlp"):
        OneShotGenerator(data, edge_head="conv")
    with pytest.raises(ConfigError, match="valid: degree, constant, structural"):
        GNNDiscriminator(data, node_input="pagerank")
    with pytest.raises(ConfigError, match="valid: gin, graphconv"):
        GNNDiscriminator(data, conv="gat")
    with pytest.raises(ConfigError, match="unknown \\['hexagons'\\]"):
        MotifDiscriminator(data, statistics=["hexagons"])
