"""The statistics generative models of protein families are judged by (bmDCA, arDCA):
one-site frequencies and connected two-site correlations of weighted alignments, the
Hamming distance to the nearest natural sequence, and an independent-site profile model
as the reference that matches one-site statistics and nothing else."""

from __future__ import annotations

import numpy as np
import torch

from gansci_protein.alphabet import GAP_INDEX
from gansci_protein.data import ProteinDataset

#: states per column: the 20 amino acids and the gap
Q = GAP_INDEX + 1


def one_hot(codes: np.ndarray) -> torch.Tensor:
    """Codes (n, L) -> float32 (n, L * Q); a pad counts as a gap."""
    c = torch.as_tensor(np.minimum(codes, GAP_INDEX))
    return torch.nn.functional.one_hot(c, Q).flatten(1).float()


def frequencies(codes: np.ndarray, weights: np.ndarray | None = None):
    """Weighted one-site frequencies (L * Q,) and connected correlations
    ``C_ij(a,b) = f_ij(a,b) - f_i(a) f_j(b)`` for columns i < j, flattened."""
    x = one_hot(codes)
    w = torch.ones(len(x)) if weights is None else torch.as_tensor(weights, dtype=torch.float)
    w = w / w.sum()
    f1 = w @ x
    c = (x * w[:, None]).T @ x - torch.outer(f1, f1)
    length = codes.shape[1]
    col = torch.arange(length).repeat_interleave(Q)
    return f1.numpy(), c[col[:, None] < col[None, :]].numpy()


def fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Pearson r of ``y`` against ``x`` and the least-squares slope of ``y`` on ``x``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    dx, dy = x - x.mean(), y - y.mean()
    r = float((dx * dy).sum() / np.sqrt((dx**2).sum() * (dy**2).sum()))
    return r, float((dx * dy).sum() / (dx**2).sum())


def profile_sample(codes: np.ndarray, weights: np.ndarray | None, n: int, seed: int = 0):
    """``n`` sequences of the independent-site model of weighted ``codes``: each column
    drawn from its own frequencies (pseudocount 1e-3)."""
    x = one_hot(codes)
    w = np.ones(len(codes)) if weights is None else np.asarray(weights, float)
    f1 = (torch.as_tensor(w / w.sum(), dtype=torch.float) @ x).view(codes.shape[1], Q) + 1e-3
    g = torch.Generator().manual_seed(seed)
    return torch.multinomial(f1 / f1.sum(1, keepdim=True), n, True, generator=g).T.numpy()


def nearest_hamming(codes: np.ndarray, natural: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Each row's Hamming distance (a fraction of the columns, gaps compared as a state)
    to its nearest row of ``natural``."""
    xn = one_hot(natural)
    out = [
        1 - (one_hot(codes[i : i + chunk]) @ xn.T).max(1).values / codes.shape[1]
        for i in range(0, len(codes), chunk)
    ]
    return torch.cat(out).numpy()


def _stats(codes, weights, ref_f1, ref_c, prefix=""):
    f1, c = frequencies(codes, weights)
    site_r, site_slope = fit(ref_f1, f1)
    pair_r, pair_slope = fit(ref_c, c)
    return {
        f"{prefix}site_r": site_r,
        f"{prefix}site_slope": site_slope,
        f"{prefix}pair_r": pair_r,
        f"{prefix}pair_slope": pair_slope,
    }


def dca_stats(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """One-site frequency and connected two-site correlation agreement (Pearson r, slope of
    generated on real) with the held-out alignment, natural sequences weighted as the
    dataset weighs them, generated ones equally; the same for an independent-site profile
    model of the training alignment (``profile_*``, as many samples); the median Hamming
    distance to the nearest training sequence (``nn_hamming``, held-out real's beside it)
    and how far the nearest-natural identity (1 - Hamming) is above (``nn_identity_excess``:
    memorisation) or below (``nn_identity_deficit``: not family members) held-out real's."""
    gen, ref = data.codes(samples), data.codes(real)
    train = data.split("train").argmax(-1).cpu().numpy()
    ref_f1, ref_c = frequencies(ref, data.natural_weights(real))
    out = _stats(gen, data.natural_weights(samples), ref_f1, ref_c)
    profile = profile_sample(train, data.weights, len(samples))
    out |= _stats(profile, None, ref_f1, ref_c, "profile_")
    h_gen = float(np.median(nearest_hamming(gen, train)))
    h_ref = float(np.median(nearest_hamming(ref, train)))
    return out | {
        "nn_hamming": h_gen,
        "real_nn_hamming": h_ref,
        "nn_identity_excess": h_ref - h_gen,
        "nn_identity_deficit": h_gen - h_ref,
    }
