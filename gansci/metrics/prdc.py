"""Precision, recall, density and coverage of generated samples (Naeem et al. 2020)."""

from __future__ import annotations

import numpy as np
import torch


def _kth_radius(a: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row of ``a`` to its k-th nearest other row."""
    return torch.cdist(a, a).kthvalue(k + 1, dim=1).values


def prdc(real: np.ndarray, fake: np.ndarray, rng=None, k: int = 5) -> dict[str, float]:
    """k-NN manifold estimates: precision and density (fidelity), recall and coverage
    (diversity). Real samples' k-NN balls approximate the real manifold; recall uses the
    fake samples' balls (Kynkäänniemi et al. 2019)."""
    r = torch.as_tensor(np.asarray(real, np.float64).reshape(len(real), -1))
    f = torch.as_tensor(np.asarray(fake, np.float64).reshape(len(fake), -1))
    r_rad, f_rad = _kth_radius(r, k), _kth_radius(f, k)
    d = torch.cdist(r, f)  # (n_real, n_fake)
    inside_real = d <= r_rad[:, None]
    return {
        "precision": float(inside_real.any(0).double().mean()),
        "recall": float((d <= f_rad[None, :]).any(1).double().mean()),
        "density": float(inside_real.sum(0).double().mean() / k),
        "coverage": float((d.min(1).values <= r_rad).double().mean()),
    }
