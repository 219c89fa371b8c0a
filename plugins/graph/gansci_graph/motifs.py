"""Motif statistics of dense adjacency batches (n, N, N), differentiable in the adjacency:
edges, wedges, triangles, 4-cycles, 3-stars, degrees and clustering, exact on 0/1 input.

Rows and columns of absent nodes must be zero (generators and datasets make them so);
statistics averaged over nodes take the node mask.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gansci.plugin import ConfigError

STATISTICS = (
    "edges",
    "wedges",
    "triangles",
    "four_cycles",
    "stars",
    "degree_hist",
    "clustering",
    "spectrum",
)


def degrees(adj: Tensor) -> Tensor:
    return adj.sum(-1)


def edges(adj: Tensor) -> Tensor:
    return adj.sum((-1, -2)) / 2


def wedges(adj: Tensor) -> Tensor:
    """Paths on three nodes (not necessarily induced): sum_i C(d_i, 2)."""
    d = degrees(adj)
    return (d * (d - 1) / 2).sum(-1)


def stars(adj: Tensor) -> Tensor:
    """3-stars (claws, not necessarily induced): sum_i C(d_i, 3)."""
    d = degrees(adj)
    return (d * (d - 1) * (d - 2) / 6).sum(-1)


def node_triangles(adj: Tensor) -> Tensor:
    """Triangles through each node, (A³)_ii / 2."""
    return ((adj @ adj) * adj).sum(-1) / 2


def triangles(adj: Tensor) -> Tensor:
    """tr(A³) / 6."""
    return node_triangles(adj).sum(-1) / 3


def four_cycles(adj: Tensor) -> Tensor:
    """4-cycles (not necessarily induced): tr(A⁴) counts each 8 times, beside the closed
    4-walks that go back and forth, 2 sum_i d_i² - sum_i d_i of them."""
    a2 = adj @ adj
    d = degrees(adj)
    trace_a4 = a2.pow(2).sum((-1, -2))  # A symmetric: tr(A² A²) = sum of (A²)_ij²
    return (trace_a4 - 2 * d.pow(2).sum(-1) + d.sum(-1)) / 8


def node_four_cycles(adj: Tensor) -> Tensor:
    """4-cycles (not necessarily induced) through each node: pairs of paths of length 2
    to each other node, sum_k C((A²)_ik, 2) over k != i."""
    a2 = adj @ adj
    pairs = a2 * (a2 - 1) / 2
    return pairs.sum(-1) - pairs.diagonal(dim1=-2, dim2=-1)


def clustering(adj: Tensor) -> Tensor:
    """Local clustering coefficient of each node, 2 t_i / (d_i (d_i - 1)); 0 where d_i < 2
    (as networkx)."""
    d = degrees(adj)
    pairs = d * (d - 1) / 2
    return torch.where(pairs > 0.5, node_triangles(adj) / pairs.clamp_min(1.0), 0.0 * pairs)


def soft_histogram(values: Tensor, mask: Tensor, centres: Tensor, width: float) -> Tensor:
    """Per graph, the share of present nodes in each bin: each value spread over the bins
    by a Gaussian of std ``width`` around the bin centres (differentiable)."""
    w = torch.exp(-0.5 * ((values[..., None] - centres) / width) ** 2)
    w = w / w.sum(-1, keepdim=True).clamp_min(1e-12)
    w = w * mask[..., None]
    return w.sum(-2) / mask.sum(-1, keepdim=True).clamp_min(1.0)


def degree_histogram(adj: Tensor, mask: Tensor, bins: int, width: float = 0.3) -> Tensor:
    """(n, bins): soft histogram of degrees 0..bins-1 (the last bin takes the rest)."""
    d = degrees(adj).clamp(max=bins - 1)
    centres = torch.arange(bins, device=adj.device, dtype=adj.dtype)
    return soft_histogram(d, mask, centres, width)


def clustering_histogram(adj: Tensor, mask: Tensor, bins: int = 10) -> Tensor:
    """(n, bins): soft histogram of local clustering coefficients over [0, 1]."""
    centres = (torch.arange(bins, device=adj.device, dtype=adj.dtype) + 0.5) / bins
    return soft_histogram(clustering(adj), mask, centres, 0.5 / bins)


def laplacian_spectrum(adj: Tensor, mask: Tensor) -> Tensor:
    """(n, N): eigenvalues of the normalised Laplacian I - D^-1/2 A D^-1/2 of the present
    nodes, ascending, then 3 for each absent node (a block of its own, above the
    spectrum's range [0, 2]); an isolated node gives 0, as networkx."""
    d = degrees(adj)
    inv_sqrt = torch.where(d > 0, d.clamp_min(1e-12).rsqrt(), torch.zeros_like(d))
    lap = torch.diag_embed((d > 0).to(adj.dtype) + 3 * (1 - mask)) - (
        inv_sqrt[..., None] * adj * inv_sqrt[..., None, :]
    )
    return torch.linalg.eigvalsh(lap)


def spectrum_histogram(adj: Tensor, mask: Tensor, bins: int = 20) -> Tensor:
    """(n, bins): soft histogram of the normalised-Laplacian spectrum over [0, 2]; with
    present nodes first, the lowest eigenvalues are the present nodes' ones."""
    centres = torch.linspace(0, 2, bins, device=adj.device, dtype=adj.dtype)
    present = torch.sort(mask, dim=-1, descending=True).values
    return soft_histogram(laplacian_spectrum(adj, mask), present, centres, 1.0 / bins)


def features(
    adj: Tensor, mask: Tensor, statistics: tuple[str, ...] = STATISTICS, degree_bins: int = 16
) -> Tensor:
    """(n, F): the chosen statistics as discriminator input: counts per present node
    (log1p-scaled, since they grow with size), the node count's share of N, and the
    degree, clustering and normalised-Laplacian spectrum histograms."""
    n = mask.sum(-1).clamp_min(1.0)
    counts = {"edges": edges, "wedges": wedges, "triangles": triangles,
              "four_cycles": four_cycles, "stars": stars}  # fmt: skip
    parts = [(n / mask.shape[-1])[:, None]]
    for name in statistics:
        if name in counts:
            parts.append(torch.log1p(counts[name](adj) / n)[:, None])
        elif name == "degree_hist":
            parts.append(degree_histogram(adj, mask, degree_bins))
        elif name == "spectrum":
            parts.append(spectrum_histogram(adj, mask))
        elif name == "clustering":
            c = clustering(adj)
            parts += [((c * mask).sum(-1) / n)[:, None], clustering_histogram(adj, mask)]
        else:
            raise ConfigError(f"unknown motif statistic {name!r}; valid: {', '.join(STATISTICS)}")
    return torch.cat(parts, -1)
