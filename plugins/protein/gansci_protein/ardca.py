"""An arDCA-style autoregressive model of a family (Trinquier et al. 2021), the baseline a
protein scientist tries first: column i's state is a softmax of ``h_i + sum_{j<i}
J_ij(., x_j)``, fitted by weighted maximum likelihood with L2 penalties (L-BFGS, torch)."""

from __future__ import annotations

import numpy as np
import torch

from gansci_protein.dca import Q, one_hot


class ArDCA(torch.nn.Module):
    """Fields ``h`` (L, Q) and couplings ``J`` (L Q, L Q), masked to earlier columns."""

    def __init__(self, length: int):
        super().__init__()
        self.length = length
        self.h = torch.nn.Parameter(torch.zeros(length, Q))
        self.J = torch.nn.Parameter(torch.zeros(length * Q, length * Q))
        col = torch.arange(length).repeat_interleave(Q)
        self.register_buffer("mask", (col[:, None] < col[None, :]).float())  # j < i

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """One-hot (n, L Q) -> per-column logits (n, L, Q), each from earlier columns only."""
        return (x @ (self.J * self.mask)).view(-1, self.length, Q) + self.h

    def fit(
        self,
        codes: np.ndarray,
        weights: np.ndarray | None = None,
        lambda_j: float = 1e-4,
        lambda_h: float = 1e-6,
        max_iter: int = 100,
    ) -> float:
        """Weighted maximum likelihood with ``lambda_j |J|^2 + lambda_h |h|^2`` (arDCA's
        defaults); returns the final mean negative log-likelihood per sequence (nats)."""
        x = one_hot(codes)
        target = torch.as_tensor(np.minimum(codes, Q - 1))
        w = torch.ones(len(x)) if weights is None else torch.as_tensor(weights).float()
        w = w / w.sum()
        opt = torch.optim.LBFGS(self.parameters(), max_iter=max_iter, line_search_fn="strong_wolfe")
        nll = torch.zeros(())

        def closure() -> torch.Tensor:
            nonlocal nll
            opt.zero_grad()
            logp = self.logits(x).log_softmax(-1).gather(2, target[..., None]).squeeze(-1)
            nll = -(w @ logp.sum(1))
            loss = (
                nll
                + lambda_j * (self.J * self.mask).square().sum()
                + lambda_h * self.h.square().sum()
            )
            loss.backward()
            return loss

        opt.step(closure)
        return float(nll.detach())

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` sequences drawn column by column (codes, the gap as code Q - 1)."""
        g = torch.Generator().manual_seed(seed)
        x = torch.zeros(n, self.length * Q)
        codes = torch.zeros(n, self.length, dtype=torch.long)
        J = self.J * self.mask
        for i in range(self.length):
            logits = x @ J[:, i * Q : (i + 1) * Q] + self.h[i]
            codes[:, i] = torch.multinomial(logits.softmax(-1), 1, generator=g).squeeze(1)
            x[torch.arange(n), i * Q + codes[:, i]] = 1.0
        return codes.numpy()
