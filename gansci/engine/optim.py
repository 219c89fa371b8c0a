"""Optimisers for games: optimistic variants of any torch optimiser (Daskalakis et al. 2018).

An optimistic step applies twice the base optimiser's step minus its previous step,
``w <- w + 2 d_t - d_{t-1}``; with SGD this is optimistic gradient descent, with Adam it
is Optimistic Adam. Extragradient (Gidel et al. 2019) is an update scheme of the game
(two gradient evaluations per step), see :class:`gansci.engine.trainer.Player`.
"""

from __future__ import annotations

from typing import Any

import torch


class _Optimistic:
    """Mixin: turns the base optimiser's step d_t into 2 d_t - d_{t-1}."""

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        before = [p.detach().clone() for p in params]
        loss = super().step(closure)
        for p, old in zip(params, before, strict=True):
            delta = p - old
            state = self.state[p]
            prev = state.get("previous_delta")
            if prev is None:
                p.add_(delta)
                state["previous_delta"] = delta
            else:  # in place: a CUDA graph of the step reads and writes this one tensor
                p.add_(delta - prev)
                prev.copy_(delta)
        return loss


class OptimisticAdam(_Optimistic, torch.optim.Adam):
    """Optimistic Adam (Daskalakis et al. 2018, "Training GANs with Optimism")."""


class OptimisticSGD(_Optimistic, torch.optim.SGD):
    """Optimistic gradient descent: w <- w - 2 lr g_t + lr g_{t-1}."""


OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "optimistic-adam": OptimisticAdam,
    "sgd": torch.optim.SGD,
    "optimistic-sgd": OptimisticSGD,
}
