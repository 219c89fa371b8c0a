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
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from gansci_protein.alphabet import N_AMINO, PAD_INDEX
from gansci_protein.data import ProteinDataset
from gansci_protein.identity import identity_matrix, nearest_identity

#: Quantiles of the real best scores used as thresholds: at the 10th percentile the real
#: hit rate is 0.90, so a weak tail of generated motif instances shows there.
REAL_QUANTILES = {"p05": 0.05, "p10": 0.10}


def motif_hits(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Per motif, hit rates (best score at or over a threshold) of generated and real
    sequences at three thresholds: ``fpr``, the score a fraction ``data.fpr`` of
    background sequences reach, and ``p05``/``p10``, the real best scores' 5th/10th
    percentiles (real rates 0.95/0.90 up to ties); and ``w1``, the 1-Wasserstein distance
    of generated best scores to real ones (bits). ``hit_rate`` (at ``fpr``) and
    ``score_w1`` average over motifs. Empty when the dataset has no motifs."""
    if not data.pwms:
        return {}
    gen, ref = data.best_scores(samples), data.best_scores(real)
    thresholds = {"fpr": data.thresholds}
    thresholds |= {k: np.quantile(ref, q, axis=0) for k, q in REAL_QUANTILES.items()}
    out = {
        "hit_rate": float((gen >= data.thresholds).mean()),
        "real_hit_rate": float((ref >= data.thresholds).mean()),
    }
    for k, pwm in enumerate(data.pwms):
        for label, t in thresholds.items():
            out[f"{pwm.name}_hit_{label}"] = float((gen[:, k] >= t[k]).mean())
            out[f"real_{pwm.name}_hit_{label}"] = float((ref[:, k] >= t[k]).mean())
        out[f"{pwm.name}_w1"] = float(wasserstein_distance(gen[:, k], ref[:, k]))
    out["score_w1"] = float(np.mean([out[f"{pwm.name}_w1"] for pwm in data.pwms]))
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


def _train_codes(data: ProteinDataset) -> np.ndarray:
    return data.split("train").argmax(-1).cpu().numpy()


#: Identity from which a generated sequence counts as a near copy of its nearest training one.
NEAR_COPY_IDENTITY = 0.9
#: How far the fractions of copies and near copies may exceed the held-out real set's before
#: :func:`memorisation_ok` fails: one generated sequence in a hundred copied verbatim, two in
#: a hundred near-copied (a model of the family makes neither; the bundled family has no
#: two members 80% identical).
COPIES_TOLERANCE = 0.01
NEAR_COPIES_TOLERANCE = 0.02


def novelty(samples: list[str], real: list[str], data: ProteinDataset, rng=None) -> dict:
    """Identity of each generated sequence to its nearest training sequence: its median,
    the fraction of exact copies (``copies``) and of near copies, at least 90% identical
    (``near_copies_90``), each beside the held-out real sequences' own (``real_*``, the
    baseline of :func:`memorisation_ok`); the excess of the medians (a model that copies
    its training set raises it); ``memorisation_ok`` is :func:`memorisation_ok` of these, 1
    or 0."""
    train = _train_codes(data)
    train_set = set(data.decode(data.split("train")))
    gen = nearest_identity(_residue_codes(samples, data), train)
    ref = nearest_identity(_residue_codes(real, data), train)
    out = {
        "nn_identity": float(np.median(gen)),
        "real_nn_identity": float(np.median(ref)),
        "nn_identity_excess": float(np.median(gen) - np.median(ref)),
        "copies": float(np.mean([s in train_set for s in samples])),
        "real_copies": float(np.mean([s in train_set for s in real])),
        "near_copies_90": float(np.mean(gen >= NEAR_COPY_IDENTITY)),
        "real_near_copies_90": float(np.mean(ref >= NEAR_COPY_IDENTITY)),
    }
    return out | {"memorisation_ok": float(memorisation_ok(out))}


def memorisation_ok(values: dict, baseline: dict | None = None) -> bool:
    """Whether generated sequences copy the training set no more than held-out real ones:
    ``values`` are :func:`novelty`'s for generated sequences, ``baseline`` the held-out
    real sequences' ``copies`` and ``near_copies_90`` (by default ``values``' own
    ``real_*`` keys); each may exceed its baseline by its tolerance
    (:data:`COPIES_TOLERANCE`, :data:`NEAR_COPIES_TOLERANCE`). The engine's baseline
    column (training vs held-out sequences) is not this baseline: training sequences are
    copies of themselves."""
    if baseline is None:
        baseline = {k: values[f"real_{k}"] for k in ("copies", "near_copies_90")}
    return (
        values["copies"] <= baseline["copies"] + COPIES_TOLERANCE
        and values["near_copies_90"] <= baseline["near_copies_90"] + NEAR_COPIES_TOLERANCE
    )


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
