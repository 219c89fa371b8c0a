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
from gansci_protein.family import FamilyTruth, load_truth, sha256, write_family
from gansci_protein.fasta import check_lengths, read_fasta
from gansci_protein.identity import identity_clusters
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
    ):
        domains = ("protein", "aligned") if aligned else ("protein",)
        super().__init__(train, test, domains=domains, kinds=Kind.CATEGORICAL)
        self.aligned = aligned
        self.pwms = pwms
        self.background = np.asarray(background, float)
        self.truth = truth
        self.fpr = fpr

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
    """(train, held-out) row indices: a seeded permutation, held out a whole identity
    cluster at a time (see :func:`identity_clusters`) so that no held-out sequence is
    ``cluster_identity`` identical to a training one; ``cluster_identity=0`` splits rows.
    Where every cluster is one sequence this is exactly the plain permutation split."""
    n = len(codes)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
    n_test = max(2, int(round(n * test_fraction)))
    if not cluster_identity:
        return perm[n_test:], perm[:n_test]
    labels = _clusters(codes, cluster_identity)
    sizes = np.bincount(labels)
    held = np.zeros(len(sizes), bool)
    count = 0
    for i in perm:  # clusters in the order the permutation first meets them
        c = labels[i]
        if not held[c] and count + sizes[c] <= n_test:
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
    test = held[labels[perm]]
    return perm[~test], perm[test]


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
