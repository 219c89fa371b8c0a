"""Position-wise sequence identity on integer codes, and identity clusters of a family."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from gansci_protein.alphabet import N_AMINO, PAD_INDEX


def _residue_one_hot(codes: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Flattened one-hot rows over the residues only (gap and pad rows are zero), and each
    row's residue count."""
    x = torch.eye(PAD_INDEX + 1)[:, :N_AMINO][torch.as_tensor(codes)].flatten(1)
    return x, x.sum(1)


def _identity_blocks(
    a: np.ndarray, b: np.ndarray, chunk: int = 1024, upper: bool = False
) -> Iterator[tuple[int, torch.Tensor]]:
    """(first row, identities of rows ``a[i:i+chunk]`` to ``b``); with ``upper`` (``a`` is
    ``b``), only columns from the first row on: each pair once, half the work."""
    xa, la = _residue_one_hot(a)
    xb, lb = _residue_one_hot(b)
    for i in range(0, len(a), chunk):
        j = i if upper else 0
        m = xa[i : i + chunk] @ xb[j:].T
        yield i, m / torch.maximum(la[i : i + chunk, None], lb[None, j:]).clamp_min(1)


def identity_matrix(a: np.ndarray, b: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Position-wise identity of every row of codes ``a`` to every row of ``b``."""
    out = np.empty((len(a), len(b)), dtype=np.float32)
    for i, ident in _identity_blocks(a, b, chunk):
        out[i : i + len(ident)] = ident.numpy()
    return out


def nearest_identity(codes: np.ndarray, train: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Each row's identity to its nearest row of ``train``."""
    return torch.cat([m.max(1).values for _, m in _identity_blocks(codes, train, chunk)]).numpy()


def identity_clusters(codes: np.ndarray, threshold: float, chunk: int = 1024) -> np.ndarray:
    """Cluster label of each row: single linkage at ``threshold`` identity (the connected
    components of the pairs at or above it), so that two sequences at least that identical
    always share a cluster, whatever the order of the rows."""
    rows, cols = [], []
    for i, ident in _identity_blocks(codes, codes, chunk, upper=True):
        r, c = (ident >= threshold).nonzero(as_tuple=True)
        rows.append(r.numpy() + i)
        cols.append(c.numpy() + i)
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(r), bool), (r, c)), shape=(len(codes), len(codes)))
    return connected_components(graph, directed=False)[1]


def sequence_weights(codes: np.ndarray, threshold: float, chunk: int = 1024) -> np.ndarray:
    """The DCA reweighting: each row weighs 1 / (its count of rows, itself included, at
    least ``threshold`` identical), so a cluster of near duplicates counts about once; the
    sum is the effective number of sequences, Neff. ``threshold=0`` weighs every row 1."""
    if not threshold:
        return np.ones(len(codes))
    counts = torch.cat([(m >= threshold).sum(1) for _, m in _identity_blocks(codes, codes, chunk)])
    return 1.0 / counts.double().numpy()
