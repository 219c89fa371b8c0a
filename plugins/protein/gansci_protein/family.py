"""The bundled reference family: sequences evolved from one ancestor with BLOSUM62-shaped
substitutions, carrying two motifs at variable positions, with the ground truth kept.

How a member is made (star phylogeny, so sites evolve independently given the ancestor):

1. the ancestor backbone (``BACKBONE`` residues) is drawn from the background composition
   implied by BLOSUM62 (solve ``sum_b p_b 2^(s_ab/2) = 1``);
2. each backbone site has a rate class (conserved 0.15, normal 1, fast 2.5) and each
   member's residue at that site is drawn from ``expm(rate * T * Q)[ancestor, :]``, where
   ``Q = P - I`` and ``P[a, b] = p_b 2^(s_ab/2)`` (BLOSUM62 conditional probabilities);
3. motif k (its true PWM made once, column by column around a consensus residue) is
   sampled and inserted before backbone site ``p_k``, drawn uniformly from its window;
4. 0 to ``MAX_TRUNCATION`` C-terminal residues are removed (uniformly).

The exact log-likelihood of any sequence under this model is :func:`FamilyTruth.loglik`.
Regenerate the bundled files with ``python -m gansci_protein.family OUT_DIR``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.linalg import expm

from gansci_protein.alphabet import AMINO_ACIDS

SEED = 20240505
N_SEQUENCES = 8000
BACKBONE = 56
MOTIF_WIDTHS = (8, 10)
MOTIF_WINDOWS = ((8, 20), (30, 42))  # backbone sites a motif may precede, inclusive
MAX_TRUNCATION = 6
RATE_CLASSES = (0.15, 1.0, 2.5)
RATE_WEIGHTS = (0.25, 0.5, 0.25)
BRANCH_LENGTH = 0.55
MOTIF_IDENTITY = (0.55, 0.9)  # range of the consensus residue's probability per column
LENGTH = BACKBONE + sum(MOTIF_WIDTHS)


def blosum62_model() -> tuple[np.ndarray, np.ndarray]:
    """Background composition p (20,) and substitution rate matrix Q (20, 20) implied by
    Biopython's BLOSUM62 scores (half-bit log-odds of target vs background frequencies)."""
    from Bio.Align import substitution_matrices

    blosum = substitution_matrices.load("BLOSUM62")
    scores = np.array([[blosum[a][b] for b in AMINO_ACIDS] for a in AMINO_ACIDS], float)
    E = 2.0 ** (scores / 2)
    p = np.linalg.solve(E, np.ones(20))
    p /= p.sum()
    P = p[None, :] * E
    P /= P.sum(1, keepdims=True)
    return p, P - np.eye(20)


def transition(Q: np.ndarray, t: float) -> np.ndarray:
    """Substitution probabilities after time ``t``: rows sum to one."""
    M = np.clip(expm(t * Q), 0, None)
    return M / M.sum(1, keepdims=True)


@dataclass
class FamilyTruth:
    """Everything the family was made from; enough to score any sequence exactly."""

    background: list[float]
    ancestor: str
    site_rates: list[float]
    branch_length: float
    motif_pwms: list[list[list[float]]]  # motif -> column -> 20 probabilities
    motif_consensus: list[str]
    motif_windows: list[list[int]]
    max_truncation: int

    @property
    def motif_widths(self) -> list[int]:
        return [len(m) for m in self.motif_pwms]

    @property
    def length(self) -> int:
        return len(self.ancestor) + sum(self.motif_widths)

    def site_matrices(self) -> np.ndarray:
        """(backbone, 20): probability of each residue at each backbone site."""
        _, Q = blosum62_model()
        anc = [AMINO_ACIDS.index(c) for c in self.ancestor]
        return np.stack(
            [
                transition(Q, r * self.branch_length)[a]
                for a, r in zip(anc, self.site_rates, strict=True)
            ]
        )

    def loglik(self, seqs: list[str]) -> np.ndarray:
        """Exact log-likelihood (nats) of each sequence, summed over the motif insertion
        sites; -inf for ones the model cannot make (wrong length, a non-residue)."""
        from scipy.special import logsumexp

        site = np.log(self.site_matrices())  # (B, 20)
        motifs = [np.log(np.asarray(m)) for m in self.motif_pwms]
        (w1, w2), B = self.motif_widths, len(self.ancestor)
        (a1, b1), (a2, b2) = self.motif_windows
        p1, p2 = np.arange(a1, b1 + 1), np.arange(a2, b2 + 1)
        log_prior = -np.log(len(p1) * len(p2)) - np.log(self.max_truncation + 1)
        out = np.full(len(seqs), -np.inf)
        lookup = {c: i for i, c in enumerate(AMINO_ACIDS)}
        groups: dict[int, list[int]] = {}
        for i, s in enumerate(seqs):
            if 0 <= self.length - len(s) <= self.max_truncation and all(c in lookup for c in s):
                groups.setdefault(len(s), []).append(i)
        for n, idx in groups.items():
            x = np.array([[lookup[c] for c in seqs[i]] for i in idx])  # (m, n)
            # Backbone site j sits at sequence position j, j + w1 or j + w1 + w2; the
            # sites pushed past the end were lost to truncation.
            cum = []
            for shift in (0, w1, w1 + w2):
                pos = np.arange(B) + shift
                v = np.where(pos < n, site[np.arange(B), x[:, np.minimum(pos, n - 1)]], 0.0)
                cum.append(np.concatenate([np.zeros((len(idx), 1)), np.cumsum(v, 1)], 1))
            win1 = np.lib.stride_tricks.sliding_window_view(x, w1, axis=1)[:, p1]
            win2 = np.lib.stride_tricks.sliding_window_view(x, w2, axis=1)[:, p2 + w1]
            m1 = motifs[0][np.arange(w1), win1].sum(-1)  # (m, P1)
            m2 = motifs[1][np.arange(w2), win2].sum(-1)  # (m, P2)
            last = B - (self.length - n)
            first = cum[0][:, p1] + m1 - cum[1][:, p1]
            second = cum[1][:, p2] + m2 - cum[2][:, p2] + cum[2][:, [last]]
            terms = first[:, :, None] + second[:, None, :]
            out[idx] = logsumexp(terms.reshape(len(idx), -1), axis=1) + log_prior
        return out


def make_family(seed: int = SEED, n_sequences: int = N_SEQUENCES):
    """(ids, sequences, motif starts (n, 2) in sequence coordinates, truth)."""
    rng = np.random.default_rng(seed)
    p, Q = blosum62_model()
    ancestor = rng.choice(20, BACKBONE, p=p)
    rates = rng.choice(RATE_CLASSES, BACKBONE, p=RATE_WEIGHTS)
    pwms, consensus = [], []
    for w in MOTIF_WIDTHS:
        cols, cons = [], ""
        for _ in range(w):
            c = rng.choice(20, p=p)
            target = rng.uniform(*MOTIF_IDENTITY)
            # The time at which the consensus keeps probability `target`, by bisection.
            lo, hi = 0.0, 20.0
            for _ in range(60):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if transition(Q, mid)[c, c] > target else (lo, mid)
            cols.append(transition(Q, lo)[c])
            cons += AMINO_ACIDS[c]
        pwms.append(np.array(cols))
        consensus.append(cons)
    site = np.stack(
        [transition(Q, r * BRANCH_LENGTH)[a] for a, r in zip(ancestor, rates, strict=True)]
    )
    seqs, starts = [], []
    for _ in range(n_sequences):
        backbone = np.array([rng.choice(20, p=site[j]) for j in range(BACKBONE)])
        ms = [np.array([rng.choice(20, p=col) for col in pwm]) for pwm in pwms]
        p1 = rng.integers(MOTIF_WINDOWS[0][0], MOTIF_WINDOWS[0][1] + 1)
        p2 = rng.integers(MOTIF_WINDOWS[1][0], MOTIF_WINDOWS[1][1] + 1)
        x = np.concatenate([backbone[:p1], ms[0], backbone[p1:p2], ms[1], backbone[p2:]])
        trunc = rng.integers(0, MAX_TRUNCATION + 1)
        x = x[: len(x) - trunc]
        seqs.append("".join(AMINO_ACIDS[k] for k in x))
        starts.append([int(p1), int(p2 + MOTIF_WIDTHS[0])])
    truth = FamilyTruth(
        background=p.tolist(),
        ancestor="".join(AMINO_ACIDS[k] for k in ancestor),
        site_rates=rates.tolist(),
        branch_length=BRANCH_LENGTH,
        motif_pwms=[m.tolist() for m in pwms],
        motif_consensus=consensus,
        motif_windows=[list(w) for w in MOTIF_WINDOWS],
        max_truncation=MAX_TRUNCATION,
    )
    ids = [f"fam_{i:05d}" for i in range(n_sequences)]
    return ids, seqs, np.array(starts), truth


def write_family(out: str | Path, seed: int = SEED, n_sequences: int = N_SEQUENCES) -> dict:
    """Write family.fasta, motif_sites.tsv and truth.json into ``out``; returns checksums."""
    from gansci_protein.fasta import write_fasta
    from gansci_protein.pwm import write_jaspar_counts

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ids, seqs, starts, truth = make_family(seed, n_sequences)
    fasta = out / "family.fasta"
    write_fasta(seqs, fasta, ids=ids)
    sites = ["id\tmotif1_start\tmotif2_start"] + [
        f"{i}\t{a + 1}\t{b + 1}" for i, (a, b) in zip(ids, starts, strict=True)
    ]
    (out / "motif_sites.tsv").write_text("\n".join(sites) + "\n")
    (out / "truth.json").write_text(json.dumps(asdict(truth), indent=1) + "\n")
    counts = [np.round(np.asarray(m) * 1000) for m in truth.motif_pwms]
    write_jaspar_counts(counts, ["motif1", "motif2"], out / "true_motifs.jaspar")
    names = ("family.fasta", "motif_sites.tsv", "truth.json", "true_motifs.jaspar")
    return {name: sha256(out / name) for name in names}


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_truth(path: str | Path) -> FamilyTruth:
    return FamilyTruth(**json.loads(Path(path).read_text()))


if __name__ == "__main__":  # pragma: no cover
    for name, digest in write_family(sys.argv[1] if len(sys.argv) > 1 else ".").items():
        print(f"{digest}  {name}")
