"""Several seeds' copies of one network as one module, and the game's reductions per seed.

A small network's step is mostly per-operation overhead: S seeds stacked run the same
kernels as one seed, S times larger. A stacked batch holds S*n rows, seed-major (seed i's
rows are i*n .. (i+1)*n - 1); per-sample work is unchanged, and every reduction of a
batch to a number (a loss, a penalty, a logged mean) is taken per seed, so each seed
gets its own losses and, their parameters being disjoint, its own gradients.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state
from torch.nn.utils import parametrize

from gansci.errors import ConfigError


def seeds_of(net: nn.Module) -> int:
    """How many seeds' networks ``net`` stacks: 1 for any ordinary network."""
    return getattr(net, "seeds", 1)


def seed_mean(x: Tensor, seeds: int) -> Tensor:
    """The mean of ``x`` over a batch: a scalar, or [seeds] where the batch stacks seeds."""
    return x.mean() if seeds == 1 else x.reshape(seeds, -1).mean(1)


def per_seed(fn: Callable[..., Tensor], seeds: int, *batches: Tensor | None) -> Tensor:
    """``fn``, which reduces batches to a scalar (a loss), on each seed's rows: a scalar,
    or [seeds] where the batches stack seeds."""
    if seeds == 1:
        return fn(*batches)
    in_dims = tuple(None if b is None else 0 for b in batches)
    split = [None if b is None else by_seed(b, seeds) for b in batches]
    return torch.vmap(fn, in_dims=in_dims)(*split)


def by_seed(x: Tensor, seeds: int) -> Tensor:
    """A stacked batch as [seeds, n, ...] (a view)."""
    return x.view(seeds, -1, *x.shape[1:])


def to_rows(value: Tensor, x: Tensor) -> Tensor:
    """A value per seed (from :func:`per_seed`) shaped to broadcast against ``x``'s rows."""
    if value.dim() == 0:
        return value
    rows = value.repeat_interleave(x.shape[0] // value.shape[0])
    return rows.view(-1, *[1] * (x.dim() - 1))


class Stacked(nn.Module):
    """``S`` networks of one architecture as one module, for training S seeds at once.

    Each parameter and buffer is the networks' own, stacked along a leading seed axis
    (``torch.func.stack_module_state``) and registered under its name with ``:`` for
    ``.``; ``forward`` runs seed i's network on seed i's rows with ``vmap``. Spectral
    normalisation (a parametrisation that updates its power-iteration vectors in place,
    which vmap cannot batch) is done here on the stacked weights, as torch does it for
    one network: one power iteration per call in training mode.
    """

    def __init__(self, nets: Sequence[nn.Module]):
        super().__init__()
        params, buffers = stack_module_state(list(nets))
        self.seeds = len(nets)
        self.names = list(params)  # the parameters' names in the network
        for name, value in params.items():
            self.register_parameter(_flat(name), nn.Parameter(value.detach()))
        for name, value in buffers.items():
            self.register_buffer(_flat(name), value)
        if hasattr(nets[0], "latent_dim"):
            self.latent_dim = nets[0].latent_dim
        base = copy.deepcopy(nets[0])
        self.spectral: list[tuple[str, str, str, str]] = []  # weight, original, u, v names
        for prefix, module in list(base.named_modules()):
            if not parametrize.is_parametrized(module, "weight"):
                continue
            where = f"{prefix}.parametrizations.weight"
            pz = module.parametrizations.weight
            if not isinstance(module, nn.Linear) or [type(p).__name__ for p in pz] != [
                "_SpectralNorm"
            ]:
                raise ConfigError(f"stacked seeds: unsupported parametrisation at {where}")
            self.spectral.append(
                (f"{prefix}.weight", f"{where}.original", f"{where}.0._u", f"{where}.0._v")
            )
            self.sn_eps = pz[0].eps
            # a plain layer in its place (remove_parametrizations would alter the class the
            # original networks share)
            plain = nn.Linear(module.in_features, module.out_features, module.bias is not None)
            parent, _, child = prefix.rpartition(".")
            setattr(base.get_submodule(parent), child, plain)
        vectors = {name for _, _, u, v in self.spectral for name in (u, v)}
        self.plain_buffers = [name for name in buffers if name not in vectors]
        self.base = (base.to("meta"),)  # a tuple: its meta weights are no state of this module

    def forward(self, x: Tensor) -> Tensor:
        base = self.base[0]

        def one(weights: dict[str, Tensor], buffers: dict[str, Tensor], xs: Tensor) -> Tensor:
            return functional_call(base, (weights, buffers), (xs,))

        buffers = {name: self._buffers[_flat(name)] for name in self.plain_buffers}
        out = torch.vmap(one)(self.weights(), buffers, by_seed(x, self.seeds))
        return out.flatten(0, 1)

    def weights(self) -> dict[str, Tensor]:
        """The weights the base network sees: spectrally normalised where registered."""
        out = dict(zip(self.names, self._parameters.values(), strict=True))
        for weight, original, u_name, v_name in self.spectral:
            W = out.pop(original)
            u, v = self._buffers[_flat(u_name)], self._buffers[_flat(v_name)]
            if self.training:
                with torch.no_grad():
                    u.copy_(F.normalize(_matvec(W, v), dim=-1, eps=self.sn_eps))
                    v.copy_(F.normalize(_matvec(W.mT, u), dim=-1, eps=self.sn_eps))
            # clones, as torch's: the next call updates u and v before this one's backward
            sigma = (u.clone() * _matvec(W, v.clone())).sum(-1)
            out[weight] = W / sigma.view(-1, 1, 1)
        return out

    def seed_state(self, i: int) -> dict[str, Tensor]:
        """Seed ``i``'s network's state dict."""
        return {_dotted(k): v[i] for k, v in self.state_dict().items()}


def _flat(name: str) -> str:
    return name.replace(".", ":")


def _dotted(name: str) -> str:
    return name.replace(":", ".")


def _matvec(W: Tensor, v: Tensor) -> Tensor:
    return torch.bmm(W, v.unsqueeze(-1)).squeeze(-1)
