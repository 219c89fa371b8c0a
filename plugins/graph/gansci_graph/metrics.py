"""Graph metrics of generated vs real graphs: the community's MMDs (GRAN/SPECTRE kernels),
motif statistics with the core's two-sample test, and validity, uniqueness and novelty.

Each metric takes lists of networkx graphs (a dataset's decoded samples).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import networkx as nx
import numpy as np
import torch
from scipy.stats import chi2, wasserstein_distance

from gansci.plugin import mmd
from gansci_graph import motifs
from gansci_graph.data import GraphDataset, isomorphic, isomorphism_classes, to_batch, wl_hash
from gansci_graph.orbits import orbit_counts

# -- descriptors of one graph -------------------------------------------------------------


def _adjacency(g: nx.Graph) -> np.ndarray:
    return nx.to_numpy_array(g, nodelist=list(g.nodes()), weight=None)


def degree_histogram(g: nx.Graph) -> np.ndarray:
    """Counts of nodes of degree 0, 1, ... (networkx's degree_histogram)."""
    return np.bincount(_adjacency(g).sum(1).astype(int)).astype(float)


def clustering_values(g: nx.Graph) -> np.ndarray:
    """Local clustering coefficient of each node (0 where the degree is below 2)."""
    a = _adjacency(g)
    d = a.sum(1)
    t = ((a @ a) * a).sum(1) / 2
    pairs = d * (d - 1) / 2
    return np.divide(t, pairs, out=np.zeros_like(t), where=pairs > 0)


def clustering_histogram(g: nx.Graph, bins: int = 100) -> np.ndarray:
    return np.histogram(clustering_values(g), bins=bins, range=(0.0, 1.0))[0].astype(float)


def laplacian_spectrum(g: nx.Graph) -> np.ndarray:
    """Eigenvalues of the normalised Laplacian D^-1/2 (D - A) D^-1/2 (isolated nodes: 0)."""
    a = _adjacency(g)
    d = a.sum(1)
    inv_sqrt = np.divide(1.0, np.sqrt(d), out=np.zeros_like(d), where=d > 0)
    lap = inv_sqrt[:, None] * (np.diag(d) - a) * inv_sqrt[None, :]
    return np.linalg.eigvalsh(lap)


def spectral_histogram(g: nx.Graph, bins: int = 200) -> np.ndarray:
    return np.histogram(laplacian_spectrum(g), bins=bins, range=(-1e-5, 2.0))[0].astype(float)


def mean_orbit_counts(g: nx.Graph) -> np.ndarray:
    """Orbit counts 0-14 summed over nodes, divided by the node count (as GRAN)."""
    return orbit_counts(g).sum(0) / g.number_of_nodes()


# -- MMD ----------------------------------------------------------------------------------


def _pad(vectors: Sequence[np.ndarray], width: int) -> np.ndarray:
    out = np.zeros((len(vectors), width))
    for i, v in enumerate(vectors):
        out[i, : len(v)] = v
    return out


def mmd2(
    x: Sequence[np.ndarray],
    y: Sequence[np.ndarray],
    sigma: float,
    kernel: str = "tv",
    bin_width: float = 1.0,
    resamples: int = 0,
    rng: np.random.Generator | None = None,
) -> float | tuple[float, float]:
    """Biased MMD² as GRAN computes it: mean k(x, x') + mean k(y, y') - 2 mean k(x, y),
    every pair including a sample with itself. ``kernel="tv"``: vectors are histograms,
    normalised to sum 1, k = exp(-TV² / 2σ²) with TV half the L1 distance; ``"emd"``: the
    same with the earth mover's distance between the histograms, bins ``bin_width``
    apart (GraphRNN's Gaussian-EMD kernel); ``"gaussian"``: k = exp(-|x - y|² / 2σ²) on
    the raw vectors. Vectors of unequal length are zero-padded. With ``resamples``:
    (MMD², its standard deviation over that many bootstrap resamples of both sets)."""
    width = max(len(v) for v in [*x, *y])
    a, b = _pad(x, width), _pad(y, width)
    if kernel in ("tv", "emd"):
        a = a / np.maximum(a.sum(1, keepdims=True), 1e-12)
        b = b / np.maximum(b.sum(1, keepdims=True), 1e-12)
    if kernel == "emd":  # in 1-D, the EMD is the L1 distance of the cumulative sums
        a, b = a.cumsum(1) * bin_width, b.cumsum(1) * bin_width

    def k(p: np.ndarray, q: np.ndarray) -> np.ndarray:
        tp, tq = torch.from_numpy(p), torch.from_numpy(q)
        if kernel == "gaussian":
            dist = torch.cdist(tp, tq)
        else:
            dist = torch.cdist(tp, tq, p=1) / (2 if kernel == "tv" else 1)
        return torch.exp(-(dist**2) / (2 * sigma**2)).numpy()

    kxx, kyy, kxy = k(a, a), k(b, b), k(a, b)
    value = float(kxx.mean() + kyy.mean() - 2 * kxy.mean())
    if not resamples:
        return value
    rng = rng or np.random.default_rng(0)
    draws = []
    for _ in range(resamples):
        i, j = rng.integers(len(a), size=len(a)), rng.integers(len(b), size=len(b))
        draws.append(kxx[np.ix_(i, i)].mean() + kyy[np.ix_(j, j)].mean()
                     - 2 * kxy[np.ix_(i, j)].mean())  # fmt: skip
    return value, float(np.std(draws))


#: name -> (descriptor of one graph, kernel, sigma): GRAN's and SPECTRE's settings
MMD_SETTINGS: dict[str, tuple[Callable[[nx.Graph], np.ndarray], str, float]] = {
    "degree": (degree_histogram, "tv", 1.0),
    "clustering": (clustering_histogram, "tv", 0.1),
    "orbit": (mean_orbit_counts, "gaussian", 30.0),
    "spectral": (spectral_histogram, "tv", 1.0),
}


def graph_mmd(samples: list[nx.Graph], real: list[nx.Graph], data=None, rng=None) -> dict:
    """MMD² of degree histograms (σ 1), clustering histograms (100 bins, σ 0.1), mean
    4-node orbit counts (Gaussian, σ 30) and normalised-Laplacian spectra (200 bins, σ 1);
    ``NAME_spread``: each one's standard deviation over 20 bootstrap resamples of both
    sets (small sets give noisy MMDs)."""
    out = {}
    rng = rng or np.random.default_rng(0)
    for name, (describe, kernel, sigma) in MMD_SETTINGS.items():
        x, y = [describe(g) for g in samples], [describe(g) for g in real]
        out[name], out[f"{name}_spread"] = mmd2(x, y, sigma, kernel, resamples=20, rng=rng)
    return out


def graph_mmd_emd(samples: list[nx.Graph], real: list[nx.Graph], data=None, rng=None) -> dict:
    """MMD² of degree histograms (σ 1) and clustering histograms (100 bins, σ 0.1) with
    the Gaussian-EMD kernel (GraphRNN's, which GRAN reports for community-small)."""
    return {
        "degree": mmd2([degree_histogram(g) for g in samples],
                       [degree_histogram(g) for g in real], 1.0, "emd"),
        "clustering": mmd2([clustering_histogram(g) for g in samples],
                           [clustering_histogram(g) for g in real], 0.1, "emd", 0.01),
    }  # fmt: skip


# -- motif statistics ---------------------------------------------------------------------

MOTIF_COUNTS = ("edges", "wedges", "triangles", "four_cycles", "stars")


def motif_counts(graphs: Sequence[nx.Graph]) -> np.ndarray:
    """(n, 5): edge, wedge, triangle, 4-cycle and 3-star counts of each graph (exact)."""
    adj = to_batch(graphs, max(g.number_of_nodes() for g in graphs))["adj"].double()
    return torch.stack([getattr(motifs, name)(adj) for name in MOTIF_COUNTS], 1).numpy()


def motif_statistics(samples: list[nx.Graph], real: list[nx.Graph], data=None, rng=None) -> dict:
    """Per count, the 1-Wasserstein distance of its distribution relative to the real
    mean; and the core's MMD² test (Gaussian kernel, median bandwidth, permutation
    p-value) on the joint log1p counts."""
    x, y = motif_counts(samples), motif_counts(real)
    out = {
        f"{name}_w1": wasserstein_distance(x[:, k], y[:, k]) / max(y[:, k].mean(), 1e-12)
        for k, name in enumerate(MOTIF_COUNTS)
    }
    test = mmd(np.log1p(x), np.log1p(y), rng=rng)
    out.update(mmd2=test["mmd2"], p_value=test["p_value"])
    return out


# -- validity, uniqueness, novelty --------------------------------------------------------


def planar_valid(g: nx.Graph) -> bool:
    """Connected and planar (SPECTRE's validity of the planar set)."""
    return nx.is_connected(g) and nx.check_planarity(g)[0]


def block_model_p_value(
    g: nx.Graph, p_in: float = 0.3, p_out: float = 0.005, seed: int = 0
) -> float:
    """Mean p-value of SPECTRE's Wald statistics of the block model: blocks by Louvain
    community detection (seeded; SPECTRE fits graph-tool's block model, which pip cannot
    install), then per block the estimated p_in and per pair of blocks p_out, each W =
    (p̂ - p)² / (p̂ (1 - p̂)) against χ²(1) as published (no sample-size factor). 0 when the
    partition breaks the benchmark's shape: 2 to 5 blocks of 20 to 40 nodes."""
    blocks = nx.community.louvain_communities(g, seed=seed)
    sizes = np.array([len(b) for b in blocks], dtype=float)
    if not 2 <= len(blocks) <= 5 or sizes.min() < 20 or sizes.max() > 40:
        return 0.0
    label = {v: k for k, b in enumerate(blocks) for v in b}
    counts = np.zeros((len(blocks), len(blocks)))
    for u, v in g.edges():
        counts[label[u], label[v]] += 1
        counts[label[v], label[u]] += 1
    possible = np.outer(sizes, sizes)
    np.fill_diagonal(possible, sizes * (sizes - 1))  # intra edges are counted twice above
    est = counts / possible
    expected = np.full_like(est, p_out)
    np.fill_diagonal(expected, p_in)
    wald = (est - expected) ** 2 / (est * (1 - est) + 1e-6)
    return float(chi2.sf(wald, 1).mean())


def sbm_valid(g: nx.Graph) -> bool:
    """The block model fits (SPECTRE's rule): mean Wald p-value above 0.9."""
    return block_model_p_value(g) > 0.9


VALIDITY: dict[str, Callable[[nx.Graph], bool]] = {"planar": planar_valid, "sbm": sbm_valid}


def _novel(samples: Sequence[nx.Graph], train: Sequence[nx.Graph]) -> np.ndarray:
    by_hash: dict[str, list[nx.Graph]] = {}
    for g in train:
        by_hash.setdefault(wl_hash(g), []).append(g)
    return np.array(
        [not any(isomorphic(g, t) for t in by_hash.get(wl_hash(g), [])) for g in samples]
    )


def _first_of_class(samples: Sequence[nx.Graph]) -> np.ndarray:
    first = np.zeros(len(samples), dtype=bool)
    first[[members[0] for members in isomorphism_classes(samples)]] = True
    return first


def validity(
    samples: list[nx.Graph], real: list[nx.Graph], data: GraphDataset | None = None, rng=None
) -> dict:
    """Unique (not isomorphic to an earlier sample), novel (to no training graph; WL hash
    confirmed by an isomorphism check) and, where the dataset has a validity rule
    (planar, sbm), valid and V.U.N.: the share of samples that are all three."""
    unique = _first_of_class(samples)
    novel = _novel(samples, data.train_graphs) if data is not None else np.ones(len(samples), bool)
    out = {"unique": unique.mean(), "novel": novel.mean(), "unique_novel": (unique & novel).mean()}
    rule = VALIDITY.get(getattr(data, "name", ""))
    if rule is not None:
        valid = np.array([rule(g) for g in samples])
        out.update(valid=valid.mean(), vun=(valid & unique & novel).mean())
    return {k: float(v) for k, v in out.items()}
