"""Protein datasets: the bundled reference family and a user's own FASTA file, as float
one-hot batches ``(n, L, A)`` with PWMs of the family's motifs attached."""

from __future__ import annotations

import hashlib
import logging
import os
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from gansci.plugin import ConfigError, DataError, Dataset, Kind, cache_dir
from gansci_protein import alphabet as ab
from gansci_protein.derive import family_pwms
from gansci_protein.family import FamilyTruth, load_truth, sha256, write_family
from gansci_protein.fasta import check_lengths, read_fasta
from gansci_protein.identity import identity_clusters, sequence_weights
from gansci_protein.msa import read_msa
from gansci_protein.pwm import PWM, PWMScanner, pwm_from_instances, read_motifs

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).resolve().parents[3] / "datasets" / "protein_family"
#: sha256 of the bundled family.fasta, as its datasheet states.
FAMILY_SHA256 = "2d2671b9928f1247499b90c6b6d361a20a42bee784e2014e38017f0659cea673"


class ProteinDataset(Dataset):
    """Sequences as one-hot ``(n, L, A)`` over :data:`alphabet.SYMBOLS`; decoded to strings.

    ``pwms`` are the motifs the PWM discriminator and motif metrics use (may be empty);
    ``background`` the amino-acid composition (20,) their log-odds and the false-positive
    calibration assume; ``truth`` the generating model when it is known (bundled family).
    """

    def __init__(
        self,
        train: torch.Tensor,
        test: torch.Tensor,
        aligned: bool,
        pwms: list[PWM],
        background: np.ndarray,
        truth: FamilyTruth | None = None,
        fpr: float = 0.01,
        weights: np.ndarray | None = None,
        test_weights: np.ndarray | None = None,
        facts: list[str] | None = None,
    ):
        domains = ("protein", "aligned") if aligned else ("protein",)
        super().__init__(train, test, domains=domains, kinds=Kind.CATEGORICAL)
        self.aligned = aligned
        self.pwms = pwms
        self.background = np.asarray(background, float)
        self.truth = truth
        self.fpr = fpr
        self.weights, self.test_weights = weights, test_weights
        self.facts = list(facts or [])
        self._draw = None if weights is None else torch.as_tensor(weights, dtype=torch.float)

    def sample(
        self, n: int, generator: torch.Generator | None = None, view: str | None = None
    ) -> torch.Tensor:
        """``n`` training sequences drawn with replacement, in proportion to their weights."""
        if self._draw is None:
            return super().sample(n, generator, view)
        if self._draw.device != self.device:
            self._draw = self._draw.to(self.device)
        idx = torch.multinomial(self._draw, n, replacement=True, generator=generator)
        return self.train[idx]

    def natural_weights(self, seqs: list[str]) -> np.ndarray | None:
        """The weights of natural sequences (each split's own, as computed within it), or
        None when ``seqs`` are not all natural (generated ones weigh the same)."""
        if self.weights is None:
            return None
        if not hasattr(self, "_natural"):
            self._natural = {}
            for split, w in (("test", self.test_weights), ("train", self.weights)):
                self._natural |= dict(zip(self.decode(self.split(split)), w, strict=True))
        out = [self._natural.get(s) for s in seqs]
        return None if any(w is None for w in out) else np.array(out, float)

    @property
    def length(self) -> int:
        return int(self.train.shape[1])

    def decode(
        self, batch: torch.Tensor, generator: torch.Generator | None = None, view: str | None = None
    ) -> list[str]:
        """One-hot rows -> letters; soft rows are sampled (seeded by ``generator``) when a
        generator is given, else read by argmax. A sequence ends at its first pad."""
        x = batch.detach().float().cpu()
        hard = bool(((x == 0) | (x == 1)).all())
        if hard or generator is None:
            codes = x.argmax(-1)
        else:
            probs = x.clamp_min(0).reshape(-1, x.shape[-1])
            codes = torch.multinomial(probs, 1, generator=generator).view(x.shape[:-1])
        return ab.from_codes(codes.numpy())

    def encode(self, samples: list[str], view: str | None = None) -> torch.Tensor:
        """Strings -> one-hot batch (cropped or padded to this dataset's length)."""
        return ab.one_hot(self.codes(samples)).to(self.device)

    def codes(self, seqs: list[str]) -> np.ndarray:
        """Strings -> integer codes (n, L), cropped or padded to this dataset's length."""
        return ab.to_codes(list(seqs), self.length)

    def scanner(self) -> PWMScanner:
        if not self.pwms:
            raise ConfigError(
                "this dataset has no motifs; give a motif file with --set data.motifs=FILE "
                "(JASPAR-style counts .jaspar or MEME XML .xml)"
            )
        return PWMScanner(self.pwms)

    def best_scores(self, seqs: list[str]) -> np.ndarray:
        """(n, M): each motif's best log-odds (bits) in each sequence."""
        return self._best(self.codes(seqs))

    def _best(self, codes: np.ndarray) -> np.ndarray:
        # the scanner's gather path on integer codes (float64: exact log-odds sums)
        return self.scanner().best_codes(torch.from_numpy(codes)).numpy()

    @cached_property
    def thresholds(self) -> np.ndarray:
        """Per motif, the best-score threshold whose false-positive rate on background
        sequences (i.i.d. residues of :attr:`background`, training lengths) is ``fpr``."""
        rng = np.random.default_rng(0)
        lengths = (self.train.argmax(-1) != ab.PAD_INDEX).sum(1).cpu().numpy()
        n = 20000
        codes = rng.choice(20, size=(n, self.length), p=self.background / self.background.sum())
        ends = rng.choice(lengths, n)
        codes[np.arange(self.length)[None, :] >= ends[:, None]] = ab.PAD_INDEX
        best = self._best(codes)
        return np.quantile(best, 1 - self.fpr, axis=0)


#: Identity at or above which two sequences are held out together (or trained on together).
CLUSTER_IDENTITY = 0.8


def _split(
    codes: np.ndarray, test_fraction: float, seed: int, cluster_identity: float
) -> tuple[np.ndarray, np.ndarray]:
    """(train, held-out) row indices: identity clusters (see :func:`identity_clusters`) in a
    seeded random order, held out whole until the held-out fraction is reached, so that no
    held-out sequence is ``cluster_identity`` identical to a training one;
    ``cluster_identity=0`` splits rows. Where every cluster is one sequence this is exactly
    the plain permutation split."""
    n = len(codes)
    n_test = max(2, int(round(n * test_fraction)))
    labels = _clusters(codes, cluster_identity) if cluster_identity else np.arange(n)
    sizes = np.bincount(labels)
    # clusters drawn uniformly, not in proportion to their size: a held-out set of a few
    # large clusters would be a poor sample of the family (tiny Neff)
    order = torch.randperm(len(sizes), generator=torch.Generator().manual_seed(seed)).numpy()
    held = np.zeros(len(sizes), bool)
    count = 0
    for c in order:
        if count + sizes[c] <= n_test:
            held[c], count = True, count + sizes[c]
            if count == n_test:
                break
    if count < 2:
        raise DataError(
            "cannot hold out two sequences without splitting a cluster at "
            f"{cluster_identity:g} identity; set data.cluster_identity=0 for a random split"
        )
    if count < n_test:
        log.warning("held out %d sequences, not %d: the clusters did not fit", count, n_test)
    rank = np.empty(len(sizes), np.int64)
    rank[order] = np.arange(len(sizes))
    rows = np.argsort(rank[labels], kind="stable")  # cluster by cluster, in drawn order
    test = held[labels[rows]]
    return rows[~test], rows[test]


def _clusters(codes: np.ndarray, threshold: float) -> np.ndarray:
    """:func:`identity_clusters`, cached by content: n^2 identities take seconds."""
    key = hashlib.sha256(np.ascontiguousarray(codes, np.int64).tobytes()).hexdigest()[:16]
    path = cache_dir("protein_clusters") / f"{key}-{threshold:g}.npy"
    if path.is_file():
        return np.load(path)
    labels = identity_clusters(codes, threshold)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, labels)
    tmp.replace(path)  # atomic, for runs loading the family side by side
    return labels


def _family_dir() -> Path:
    if (BUNDLED / "family.fasta").is_file():
        return BUNDLED
    where = cache_dir("protein_family")
    if not (where / "family.fasta").is_file():
        log.info("bundled family not found; regenerating it into %s", where)
        write_family(where)
    return where


def protein_family(
    test_fraction: float = 0.2,
    seed: int = 0,
    n_sequences: int = 0,
    pseudocounts: float = 0.5,
    fpr: float = 0.01,
    cluster_identity: float = CLUSTER_IDENTITY,
) -> ProteinDataset:
    """The bundled reference family (datasets/protein_family): 8000 homologous sequences
    with two motifs at variable positions and their true generating model; held out by
    identity clusters (``cluster_identity``, 0 for a plain random split)."""
    folder = _family_dir()
    fasta = folder / "family.fasta"
    if sha256(fasta) != FAMILY_SHA256:
        raise DataError(f"{fasta}: checksum differs from the datasheet's; the file was altered")
    records = read_fasta(fasta)
    truth = load_truth(folder / "truth.json")
    rows = [line.split("\t") for line in (folder / "motif_sites.tsv").read_text().splitlines()[1:]]
    starts = {r[0]: [int(v) - 1 for v in r[1:]] for r in rows}
    if n_sequences:
        records = records[:n_sequences]
    ids, seqs = zip(*records, strict=True)
    codes = ab.to_codes(list(seqs), truth.length)
    train_idx, test_idx = _split(codes, test_fraction, seed, cluster_identity)
    pwms = []
    for k, width in enumerate(truth.motif_widths):
        instances = [seqs[i][starts[ids[i]][k] : starts[ids[i]][k] + width] for i in train_idx]
        pwms.append(pwm_from_instances(instances, f"motif{k + 1}", pseudocounts, truth.background))
    x = ab.one_hot(codes)
    return ProteinDataset(
        x[train_idx], x[test_idx], False, pwms, np.array(truth.background), truth, fpr
    )


def fasta(
    path: str = "",
    aligned: bool = False,
    length: int = 0,
    truncate: bool = False,
    drop_ambiguous: bool = False,
    motifs: str = "",
    pseudocounts: float = 0.5,
    test_fraction: float = 0.2,
    seed: int = 0,
    fpr: float = 0.01,
    cluster_identity: float = CLUSTER_IDENTITY,
) -> ProteinDataset:
    """Your own protein FASTA (``--set data.path=FILE``): aligned (gaps kept) or unaligned
    (padded, or cropped to ``length`` when it is set); motifs from ``data.motifs=FILE``;
    held out by identity clusters (``cluster_identity``, 0 for a plain random split: the
    clustering costs n^2 identities)."""
    if not path:
        raise ConfigError("dataset 'fasta' reads a file: give it with --set data.path=FILE")
    records = read_fasta(path, aligned=aligned, drop_ambiguous=drop_ambiguous)
    if len(records) < 4:
        raise DataError(f"{path}: has {len(records)} usable record(s); at least 4 are needed")
    check_lengths(records, path, length, truncate)  # longer than length: only if truncate
    seqs = [s for _, s in records]
    width = length or max(len(s) for s in seqs)
    codes = ab.to_codes(seqs, width)
    residues = codes[codes < ab.N_AMINO]
    background = np.bincount(residues, minlength=ab.N_AMINO) + 1.0
    background /= background.sum()
    pwms = read_motifs(motifs, pseudocounts, background) if motifs else []
    train_idx, test_idx = _split(codes, test_fraction, seed, cluster_identity)
    x = ab.one_hot(codes)
    return ProteinDataset(x[train_idx], x[test_idx], aligned, pwms, background, None, fpr)


#: Identity at which sequences share their weight (the DCA convention).
WEIGHT_IDENTITY = 0.8


def family(
    path: str = "",
    format: str = "auto",
    focus: str = "",
    ambiguous: str = "gap",
    max_seq_gaps: float = 0.5,
    max_col_gaps: float = 0.3,
    weight_identity: float = WEIGHT_IDENTITY,
    motifs: str = "",
    pwm: str = "windows",
    n_motifs: int = 4,
    motif_width: int = 10,
    pseudocounts: float = 0.5,
    test_fraction: float = 0.2,
    seed: int = 0,
    fpr: float = 0.01,
    cluster_identity: float = CLUSTER_IDENTITY,
) -> ProteinDataset:
    """A family alignment (``--set data.path=FILE``: aligned FASTA, A2M/A3M, Stockholm; see
    :func:`msa.read_msa` for ``format``, ``focus``, ``ambiguous`` and the gap filters, whose
    defaults are EVcouplings'). Sequences are weighted at ``weight_identity`` within each
    split and training draws them by weight; held out by identity clusters. PWMs come from
    ``motifs=FILE`` or, without one, from the training alignment (:func:`family_pwms`:
    ``pwm=windows``, ``n_motifs`` conserved windows of ``motif_width``, or ``pwm=profile``)."""
    if not path:
        raise ConfigError("dataset 'family' reads an alignment: give it with --set data.path=FILE")
    msa = read_msa(path, format, focus, ambiguous, max_seq_gaps, max_col_gaps)
    if len(msa.seqs) < 4:
        raise DataError(f"{path}: has {len(msa.seqs)} usable record(s); at least 4 are needed")
    codes = ab.to_codes(msa.seqs, len(msa.seqs[0]))
    residues = codes[codes < ab.N_AMINO]
    background = np.bincount(residues, minlength=ab.N_AMINO) + 1.0
    background /= background.sum()
    train_idx, test_idx = _split(codes, test_fraction, seed, cluster_identity)
    weights = sequence_weights(codes[train_idx], weight_identity)
    test_weights = sequence_weights(codes[test_idx], weight_identity)
    if motifs:
        pwms = read_motifs(motifs, pseudocounts, background)
        source = f"motifs from {motifs}"
    else:
        pwms = family_pwms(
            codes[train_idx], weights, background, pwm, n_motifs, motif_width, pseudocounts
        )
        source = f"PWMs derived from the training alignment ({pwm}): " + ", ".join(
            p.name for p in pwms
        )
    facts = [
        f"alignment {Path(path).name}: {len(msa.seqs)} sequences x {codes.shape[1]} match "
        f"columns; " + ("; ".join(msa.notes) or "nothing dropped or mapped"),
        f"{len(train_idx)} training, {len(test_idx)} held-out sequences (identity clusters at "
        f"{cluster_identity:g}); Neff at {weight_identity:g} identity: training "
        f"{weights.sum():.1f}, held-out {test_weights.sum():.1f}; training draws by weight",
        source,
    ]
    x = ab.one_hot(codes)
    return ProteinDataset(
        x[train_idx], x[test_idx], True, pwms, background, None, fpr, weights, test_weights, facts
    )
