"""PWMs from Bio.motifs, motif files, and the torch scanner against plain loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gansci_protein.alphabet import AMINO_ACIDS, SYMBOLS, one_hot
from gansci_protein.pwm import (
    PWM,
    PWMScanner,
    pwm_from_instances,
    read_motifs,
    scan_numpy,
    scan_reference,
    write_jaspar_counts,
)

from gansci.plugin import DataError


def _random_pwms(rng, widths=(5, 9)):
    return [PWM(f"m{w}", rng.normal(size=(w, 20))) for w in widths]


def test_scanner_matches_reference_on_one_hot_to_1e6():
    rng = np.random.default_rng(0)
    pwms = _random_pwms(rng)
    codes = rng.integers(0, len(SYMBOLS), size=(12, 40))
    scores = PWMScanner(pwms).scan(one_hot(codes).double())
    for pwm, s in zip(pwms, scores, strict=True):
        ref = scan_reference(codes, pwm)
        assert s.shape == ref.shape
        np.testing.assert_allclose(s.numpy(), ref, rtol=0, atol=1e-6)
        np.testing.assert_allclose(scan_numpy(codes, pwm), ref, rtol=0, atol=1e-12)


def test_gather_path_on_codes_matches_reference_to_1e6():
    rng = np.random.default_rng(3)
    pwms = _random_pwms(rng, (1, 2, 7, 10))
    codes = rng.integers(0, len(SYMBOLS), size=(9, 33))  # gap and pad included
    scanner = PWMScanner(pwms)
    soft_path = scanner.scan(one_hot(codes).double())
    for dtype, tol in ((torch.float64, 1e-6), (torch.float32, 1e-5)):
        scores = scanner.scan_codes(torch.from_numpy(codes), dtype=dtype, chunk=4)
        for pwm, s, soft in zip(pwms, scores, soft_path, strict=True):
            ref = scan_reference(codes, pwm)
            assert s.shape == ref.shape and s.dtype == dtype
            np.testing.assert_allclose(s.numpy(), ref, rtol=0, atol=tol)
            np.testing.assert_allclose(s.double().numpy(), soft.numpy(), rtol=0, atol=tol)
    # the best score is rescored in float64: exact even where windows tie in float32
    tied = np.concatenate([codes, codes[:, :12]], axis=1)
    best = scanner.best_codes(torch.from_numpy(tied))
    assert best.dtype == torch.float64
    ref_best = [scan_reference(tied, p).max(1) for p in pwms]
    np.testing.assert_allclose(best.numpy(), np.stack(ref_best, 1), rtol=0, atol=1e-12)


def test_scanner_on_soft_input_is_the_expected_score():
    rng = np.random.default_rng(1)
    pwm = _random_pwms(rng, (6,))[0]
    probs = rng.dirichlet(np.ones(len(SYMBOLS)), size=(3, 20))
    s = PWMScanner([pwm]).scan(torch.tensor(probs))[0].numpy()
    full = pwm.full()
    ref = [
        [sum(probs[i, p + k] @ full[k] for k in range(pwm.width)) for p in range(20 - 6 + 1)]
        for i in range(3)
    ]
    np.testing.assert_allclose(s, ref, rtol=0, atol=1e-6)


def test_pooling_and_gradient():
    rng = np.random.default_rng(2)
    pwms = _random_pwms(rng)
    x = one_hot(rng.integers(0, 20, size=(4, 30))).double().requires_grad_()
    scanner = PWMScanner(pwms)
    pooled = scanner.pool(x, temperature=0.5)
    assert pooled.shape == (4, 2, 2)
    best = torch.stack(
        [
            torch.as_tensor(scan_reference(x.detach().argmax(-1).numpy(), p)).max(1).values
            for p in pwms
        ],
        1,
    )
    np.testing.assert_allclose(pooled[..., 0].detach().numpy(), best.numpy(), atol=1e-6)
    n_pos = torch.tensor([30 - p.width + 1 for p in pwms], dtype=torch.float64)
    assert (pooled[..., 1] >= pooled[..., 0] - 1e-9).all()
    assert (pooled[..., 1] <= pooled[..., 0] + 0.5 * torch.log(n_pos) + 1e-9).all()
    pooled[..., 1].sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_pwm_from_instances_is_bio_motifs_log_odds():
    instances = ["ACDE", "ACDF", "ACDE", "WCDE"]
    bg = np.linspace(1, 2, 20)
    bg /= bg.sum()
    pwm = pwm_from_instances(instances, pseudocounts=0.5, background=bg)
    counts = np.array([[sum(s[k] == a for s in instances) for a in AMINO_ACIDS] for k in range(4)])
    expected = np.log2((counts + 0.5) / (4 + 20 * 0.5) / bg)
    np.testing.assert_allclose(pwm.log_odds, expected, atol=1e-9)


def test_jaspar_counts_round_trip_and_errors(tmp_path):
    counts = [np.arange(60).reshape(3, 20) % 7, np.eye(20)[:5] * 9]
    write_jaspar_counts(counts, ["one", "two"], tmp_path / "m.jaspar")
    pwms = read_motifs(tmp_path / "m.jaspar", pseudocounts=1.0)
    assert [p.name for p in pwms] == ["one", "two"] and pwms[1].width == 5
    expected = np.log2((counts[0] + 1.0) / (counts[0].sum(1, keepdims=True) + 20) * 20)
    np.testing.assert_allclose(pwms[0].log_odds, expected, atol=1e-9)
    bad = tmp_path / "bad.jaspar"
    bad.write_text(">m m\nA [ 1 2 ]\nC [ 1 ]\n")
    with pytest.raises(DataError, match="needs one row of equal length"):
        read_motifs(bad)
    (tmp_path / "m.transfac").write_text("P0 A C G T\n")
    with pytest.raises(DataError, match="unknown motif format"):
        read_motifs(tmp_path / "m.transfac")
