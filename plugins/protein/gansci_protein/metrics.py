"""Protein metrics of generated vs real sequences: motifs, composition, conservation,
uniqueness, novelty, diversity, length, and the likelihood under the true model.

Each takes lists of strings (a dataset's decoded samples). Identity between two sequences
is position-wise on the fixed-length layout: identical residues at the same position over
the longer sequence's residue count. It is the column identity for aligned families and a
cheap, alignment-free proxy for families whose members share a frame (as the bundled one
does: a motif shifts only the residues between its possible insertion points).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from gansci_protein.alphabet import N_AMINO, PAD_INDEX
from gansci_protein.data import ProteinDataset


def motif_hits(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Hit rate (best score over the threshold set at ``data.fpr`` false positives on
    background sequences) per motif and on average, beside the real sequences' rate, and
    the 1-Wasserstein distance of best scores to the real ones (bits, averaged over motifs).
    Empty when the dataset has no motifs."""
    if not data.pwms:
        return {}
    gen, ref = data.best_scores(samples), data.best_scores(real)
    hit_gen, hit_ref = gen >= data.thresholds, ref >= data.thresholds
    out = {"hit_rate": float(hit_gen.mean()), "real_hit_rate": float(hit_ref.mean())}
    for k, pwm in enumerate(data.pwms):
        out[f"{pwm.name}_hit_rate"] = float(hit_gen[:, k].mean())
    out["score_w1"] = float(
        np.mean([wasserstein_distance(gen[:, k], ref[:, k]) for k in range(len(data.pwms))])
    )
    return out


def _residue_codes(seqs: list[str], data: ProteinDataset) -> np.ndarray:
    return data.codes(seqs)


def composition(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Jensen-Shannon divergence (nats) of amino-acid composition and of the dipeptide
    spectrum (adjacent residue pairs, 400 bins) between generated and real."""

    def spectra(seqs: list[str]) -> tuple[np.ndarray, np.ndarray]:
        c = _residue_codes(seqs, data)
        aa = np.bincount(c[c < N_AMINO], minlength=N_AMINO).astype(float)
        a, b = c[:, :-1], c[:, 1:]
        both = (a < N_AMINO) & (b < N_AMINO)
        di = np.bincount(a[both] * N_AMINO + b[both], minlength=N_AMINO**2).astype(float)
        return aa, di

    (aa_x, di_x), (aa_y, di_y) = spectra(samples), spectra(real)
    return {
        "aa_js": float(jensenshannon(aa_x, aa_y) ** 2),
        "dipeptide_js": float(jensenshannon(di_x, di_y) ** 2),
    }


def _entropy_profile(codes: np.ndarray) -> np.ndarray:
    """Per position, the entropy (nats) of the symbols there (pad and gap included)."""
    n_sym = PAD_INDEX + 1
    counts = np.stack([np.bincount(col, minlength=n_sym) for col in codes.T]).astype(float)
    p = counts / counts.sum(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=1)


def conservation(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Per-position conservation: mean absolute difference of the entropy profiles (nats)
    and their correlation (column entropy for aligned families)."""
    ex = _entropy_profile(_residue_codes(samples, data))
    ey = _entropy_profile(_residue_codes(real, data))
    corr = float(np.corrcoef(ex, ey)[0, 1]) if ex.std() > 0 and ey.std() > 0 else 0.0
    return {"entropy_mae": float(np.abs(ex - ey).mean()), "entropy_corr": corr}


def uniqueness(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Fraction of distinct sequences among the generated ones."""
    return {"unique": len(set(samples)) / max(1, len(samples))}


def _residue_one_hot(codes: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.nn.functional.one_hot(torch.as_tensor(codes), PAD_INDEX + 1)[..., :N_AMINO]
    x = x.float().flatten(1)
    return x, x.sum(1)


def identity_matrix(a: np.ndarray, b: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """Position-wise identity of every row of codes ``a`` to every row of ``b``."""
    xa, la = _residue_one_hot(a)
    xb, lb = _residue_one_hot(b)
    out = np.empty((len(a), len(b)), dtype=np.float32)
    for i in range(0, len(a), chunk):
        m = xa[i : i + chunk] @ xb.T
        out[i : i + chunk] = (
            m / torch.maximum(la[i : i + chunk, None], lb[None]).clamp_min(1)
        ).numpy()
    return out


def _nearest_identity(codes: np.ndarray, train: np.ndarray, chunk: int = 1024) -> np.ndarray:
    xa, la = _residue_one_hot(codes)
    xb, lb = _residue_one_hot(train)
    best = []
    for i in range(0, len(codes), chunk):
        m = xa[i : i + chunk] @ xb.T
        ident = m / torch.maximum(la[i : i + chunk, None], lb[None]).clamp_min(1)
        best.append(ident.max(1).values)
    return torch.cat(best).numpy()


def _train_codes(data: ProteinDataset) -> np.ndarray:
    return data.split("train").argmax(-1).cpu().numpy()


def novelty(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Identity of each generated sequence to its nearest training sequence (median, and
    fraction of exact copies) beside the same for held-out real sequences; the excess of
    the medians catches a model that copies its training set."""
    train = _train_codes(data)
    gen = _nearest_identity(_residue_codes(samples, data), train)
    ref = _nearest_identity(_residue_codes(real, data), train)
    train_set = set(data.decode(data.split("train")))
    return {
        "nn_identity": float(np.median(gen)),
        "real_nn_identity": float(np.median(ref)),
        "nn_identity_excess": float(np.median(gen) - np.median(ref)),
        "copies": float(np.mean([s in train_set for s in samples])),
    }


def diversity(
    samples: list[str], real: list[str], data: ProteinDataset, rng=None, n_max: int = 1500
) -> dict:
    """Mean pairwise identity among generated sequences, beside the real sequences' one."""

    def mean_pairwise(seqs: list[str]) -> float:
        codes = _residue_codes(seqs[:n_max], data)
        ident = identity_matrix(codes, codes)
        n = len(codes)
        return float((ident.sum() - np.trace(ident)) / max(1, n * (n - 1)))

    return {
        "pairwise_identity": mean_pairwise(samples),
        "real_pairwise_identity": mean_pairwise(real),
    }


def length(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """1-Wasserstein distance of sequence lengths (a pad placed early shortens one)."""
    return {
        "length_w1": float(wasserstein_distance([len(s) for s in samples], [len(s) for s in real]))
    }


def true_loglik(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Mean log-likelihood (nats per sequence) under the family's true generating model, of
    the sequences it can make, and the fraction it cannot; empty without a known truth."""
    if data.truth is None:
        return {}
    gen, ref = data.truth.loglik(list(samples)), data.truth.loglik(list(real))
    fin = np.isfinite(gen)
    return {
        "loglik": float(gen[fin].mean()) if fin.any() else float("nan"),
        "real_loglik": float(ref[np.isfinite(ref)].mean()),
        "impossible": float(1 - fin.mean()),
    }
