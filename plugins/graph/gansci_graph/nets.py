"""Networks: a one-shot generator of node masks and discrete symmetric adjacencies, and
discriminators on the dense graph (torch_geometric GIN / GraphConv layers), on its motif
statistics only, or on both."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gansci.plugin import MLP, ConfigError
from gansci_graph import motifs
from gansci_graph.data import GraphDataset

MODES = ("gumbel", "bernoulli")
EDGE_HEADS = ("bilinear", "mlp")


def _symmetric_noise(shape: torch.Size, device: torch.device) -> Tensor:
    """Uniform noise in (0, 1), one draw per unordered node pair."""
    u = torch.rand(shape, device=device).clamp(1e-6, 1 - 1e-6).triu(1)
    return u + u.transpose(-1, -2)


class _StraightThrough(torch.autograd.Function):
    """The hard value forward, the soft one's gradient backward (exactly 0/1 forward,
    which ``hard + soft - soft.detach()`` is not in floating point)."""

    @staticmethod
    def forward(ctx, hard: Tensor, soft: Tensor) -> Tensor:
        return hard

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[None, Tensor]:
        return None, grad


def edge_density(data: GraphDataset) -> float:
    """Share of the possible edges among present nodes that the training graphs have."""
    n = data.node_counts.double()
    return float(data.train["adj"].sum() / (n * (n - 1)).sum())


class OneShotGenerator(nn.Module):
    """Latent -> node count, node embeddings -> symmetric edge logits -> a graph batch.

    The node count is drawn from the training graphs' sizes by the quantile of the first
    latent coordinate (so it is a function of ``z``, reproducible by seed), and the mask
    holds that many nodes. Node embeddings come from an MLP of the latent and the node
    count plus a learned embedding per node slot, optionally refined by ``layers``
    transformer layers over the present nodes. The logit of edge (i, j) is symmetric in
    i and j: ``edge_head="bilinear"`` sum_k w_k u_ik u_jk + b with u = a linear map of h
    (cheap: one batched matrix product), ``"mlp"`` an MLP of the pair features
    (h_i * h_j, h_i + h_j) (N² MLP evaluations a graph). In training, edges are discrete:
    ``mode="gumbel"`` straight-through Gumbel-sigmoid (hard forward, gradient of the
    relaxed sample at ``temperature``), ``"bernoulli"`` a Bernoulli draw with the
    gradient of its probability. In eval mode it emits the edge probabilities (the
    dataset's decode samples from them). Rows and columns of absent nodes and the
    diagonal are zero. ``density_init`` starts the edge bias at the training density.
    """

    def __init__(
        self,
        data: GraphDataset,
        latent_dim: int = 32,
        hidden: int = 128,
        depth: int = 2,
        embed: int = 32,
        layers: int = 0,
        heads: int = 4,
        mode: str = "gumbel",
        temperature: float = 1.0,
        density_init: bool = True,
        edge_head: str = "bilinear",
    ):
        super().__init__()
        if mode not in MODES:
            raise ConfigError(f"generator.mode: unknown mode {mode!r}; valid: {', '.join(MODES)}")
        if edge_head not in EDGE_HEADS:
            raise ConfigError(
                f"generator.edge_head: unknown {edge_head!r}; valid: {', '.join(EDGE_HEADS)}"
            )
        if latent_dim < 2:
            raise ConfigError("generator.latent_dim must be at least 2 (one draws the size)")
        self.latent_dim, self.mode, self.temperature = latent_dim, mode, temperature
        self.max_nodes, self.embed = data.max_nodes, embed
        self.register_buffer("sizes", data.node_counts.sort().values.clone())
        self.trunk = MLP(latent_dim + 1, data.max_nodes * embed, hidden, depth, "leaky_relu")
        self.slots = nn.Parameter(0.1 * torch.randn(data.max_nodes, embed))
        self.mixer = (
            nn.TransformerEncoder(
                nn.TransformerEncoderLayer(embed, heads, 2 * embed, 0.0, batch_first=True),
                layers,
                enable_nested_tensor=False,
            )
            if layers
            else None
        )
        self.edge_head = edge_head
        if edge_head == "mlp":
            self.edge = MLP(2 * embed, 1, hidden, 1, "leaky_relu")
        else:
            self.edge = nn.Sequential(nn.LeakyReLU(0.2), nn.Linear(embed, embed))
            self.edge_weight = nn.Parameter(torch.ones(embed) / embed)
        self.edge_bias = nn.Parameter(torch.zeros(()))
        if density_init:
            p = min(max(edge_density(data), 1e-3), 1 - 1e-3)
            nn.init.constant_(self.edge_bias, math.log(p / (1 - p)))

    def node_counts(self, z: Tensor) -> Tensor:
        u = torch.special.ndtr(z[:, 0])
        idx = (u * len(self.sizes)).long().clamp(0, len(self.sizes) - 1)
        return self.sizes[idx]

    def logits(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """(edge logits (n, N, N), node mask (n, N))."""
        N = self.max_nodes
        n = self.node_counts(z)
        mask = (torch.arange(N, device=z.device) < n[:, None]).to(z.dtype)
        h = self.trunk(torch.cat([z, (n / N).to(z.dtype)[:, None]], 1)).view(-1, N, self.embed)
        h = h + self.slots
        if self.mixer is not None:
            h = self.mixer(h, src_key_padding_mask=mask == 0)
        if self.edge_head == "mlp":
            hi, hj = h[:, :, None], h[:, None, :]
            logits = self.edge(torch.cat([hi * hj, hi + hj], -1)).squeeze(-1)
        else:
            u = self.edge(h)
            logits = (u * self.edge_weight) @ u.transpose(1, 2)
        return logits + self.edge_bias, mask

    def forward(self, z: Tensor) -> dict[str, Tensor]:
        logits, mask = self.logits(z)
        N = self.max_nodes
        keep = mask[:, :, None] * mask[:, None, :] * (1 - torch.eye(N, device=z.device))
        if not self.training:
            return {"adj": torch.sigmoid(logits) * keep, "mask": mask}
        u = _symmetric_noise(logits.shape, z.device)
        if self.mode == "gumbel":
            soft = torch.sigmoid((logits + torch.log(u) - torch.log1p(-u)) / self.temperature)
            hard = (soft > 0.5).to(soft.dtype)
        else:
            soft = torch.sigmoid(logits)
            hard = (u < soft).to(soft.dtype)
        return {"adj": _StraightThrough.apply(hard, soft) * keep, "mask": mask}


def _dense_conv(kind: str, d_in: int, hidden: int) -> nn.Module:
    from torch_geometric.nn import DenseGINConv, DenseGraphConv  # heavy: only when built

    if kind == "gin":
        return DenseGINConv(MLP(d_in, hidden, hidden, 1, "leaky_relu"), train_eps=True)
    return DenseGraphConv(d_in, hidden, aggr="add")


CONVS = ("gin", "graphconv")
NODE_INPUTS = ("degree", "constant", "structural")


class GNNDiscriminator(nn.Module):
    """Dense message passing (torch_geometric ``DenseGINConv`` or ``DenseGraphConv``) over
    the adjacency, sum pooling over the present nodes after every layer, an MLP head.

    Node input is the degree (scaled by N), a constant, or ``"structural"``: the degree,
    the triangles and 4-cycles through the node and its clustering coefficient, which a
    message-passing network cannot compute itself (they are beyond the 1-WL test that
    bounds it). The adjacency enters the layers linearly, so gradient penalties with
    respect to it are meaningful."""

    def __init__(
        self,
        data: GraphDataset,
        hidden: int = 64,
        layers: int = 3,
        conv: str = "gin",
        node_input: str = "degree",
    ):
        super().__init__()
        if conv not in CONVS:
            raise ConfigError(f"discriminator.conv: unknown {conv!r}; valid: {', '.join(CONVS)}")
        if node_input not in NODE_INPUTS:
            raise ConfigError(
                f"discriminator.node_input: unknown {node_input!r}; valid: {', '.join(NODE_INPUTS)}"
            )
        self.max_nodes, self.node_input = data.max_nodes, node_input
        d_in = 4 if node_input == "structural" else 1
        self.convs = nn.ModuleList(
            _dense_conv(conv, d_in if k == 0 else hidden, hidden) for k in range(layers)
        )
        self.act = nn.LeakyReLU(0.2)
        self.head = MLP(hidden * layers, 1, hidden, 1, "leaky_relu")

    def node_features(self, adj: Tensor, mask: Tensor) -> Tensor:
        if self.node_input == "constant":
            return mask[..., None]
        degree = motifs.degrees(adj)[..., None] / self.max_nodes
        if self.node_input == "degree":
            return degree
        triangles = motifs.node_triangles(adj)[..., None] / self.max_nodes
        cycles = motifs.node_four_cycles(adj)[..., None] / self.max_nodes
        return torch.cat([degree, triangles, cycles, motifs.clustering(adj)[..., None]], -1)

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        adj, mask = batch["adj"], batch["mask"]
        x = self.node_features(adj, mask)
        pooled = []
        for conv in self.convs:
            x = self.act(conv(x, adj, mask))
            pooled.append((x * mask[..., None]).sum(1) / self.max_nodes)
        return torch.cat(pooled, -1)

    def forward(self, batch: dict[str, Tensor]) -> Tensor:
        return self.head(self.features(batch)).squeeze(-1)


class MotifDiscriminator(nn.Module):
    """An MLP on the graph's motif statistics alone (:func:`motifs.features`): it sees
    ``statistics`` and the node count, nothing else of the graph."""

    def __init__(
        self,
        data: GraphDataset,
        hidden: int = 64,
        depth: int = 2,
        statistics: list[str] | None = None,
    ):
        super().__init__()
        self.statistics = tuple(statistics or motifs.STATISTICS)
        unknown = sorted(set(self.statistics) - set(motifs.STATISTICS))
        if unknown:
            valid = ", ".join(motifs.STATISTICS)
            raise ConfigError(f"discriminator.statistics: unknown {unknown}; valid: {valid}")
        self.degree_bins = min(data.max_nodes, 32)
        width = self.features(data.split("train", 2)).shape[1]
        self.head = MLP(width, 1, hidden, depth, "leaky_relu")

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        return motifs.features(batch["adj"], batch["mask"], self.statistics, self.degree_bins)

    def forward(self, batch: dict[str, Tensor]) -> Tensor:
        return self.head(self.features(batch)).squeeze(-1)


class GNNPlusMotif(nn.Module):
    """The GNN and motif discriminators, their logits summed."""

    def __init__(
        self,
        data: GraphDataset,
        hidden: int = 64,
        layers: int = 3,
        conv: str = "gin",
        node_input: str = "degree",
        statistics: list[str] | None = None,
    ):
        super().__init__()
        self.gnn = GNNDiscriminator(data, hidden, layers, conv, node_input)
        self.motif = MotifDiscriminator(data, hidden, 2, statistics)

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        return torch.cat([self.gnn.features(batch), self.motif.features(batch)], -1)

    def forward(self, batch: dict[str, Tensor]) -> Tensor:
        return self.gnn(batch) + self.motif(batch)
