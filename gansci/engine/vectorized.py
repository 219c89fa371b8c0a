"""Several seeds of one small experiment trained at once: weights stacked, forward vmapped.

GAN results vary widely between seeds, and a small MLP's step is mostly per-operation
overhead: S seeds in one process run the same number of (S times larger) kernels as one
seed. Where one seed's matmuls already run at the core's full rate (128-wide MLPs at batch
256 on a CPU) stacking saves only that overhead; see benchmarks/RESULTS.md. The seeds'
weights are stacked along a leading axis (``torch.func.stack_module_state``), every
network call is ``vmap(functional_call)`` over that axis, and one backward pass of the sum
of the seeds' losses gives every seed its own gradient (their parameters are disjoint).
Adam, SGD and their optimistic variants update each element independently, so the
configured torch optimiser over the stacked tensors is exactly one optimiser per seed.
Each seed draws its batches, latents and penalty noise from its own ``torch.Generator``,
so a seed's run does not depend on which seeds train beside it. Run folders come out as
the sequential trainer writes them, so ``gansci sample``, ``validate`` and ``resume`` work
on each seed's folder.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, stack_module_state
from torch.nn.utils import parametrize
from tqdm.auto import tqdm

from gansci.config import TrainConfig
from gansci.engine import checkpoint
from gansci.engine.game import StandardGame
from gansci.engine.penalties import PENALTIES
from gansci.engine.player import Player
from gansci.errors import ConfigError, TrainingDiverged
from gansci.nets.mlp import MLPDiscriminator, MLPGenerator

if TYPE_CHECKING:
    from gansci.experiment import Experiment

# Options this path implements; any other option set away from its default is refused, so
# a stabiliser added to the sequential game later is never silently dropped here.
GAME_OPTIONS = {"loss", "penalty", "penalty_weight", "n_critic", "update", "label_smoothing"}
NET_OPTIONS = {
    "latent_dim", "hidden", "depth", "activation", "standardize", "components",
    "fourier_features", "fourier_scale",
}  # fmt: skip
TRAIN_OPTIONS = {
    "steps", "batch_size", "lr", "betas", "weight_decay", "players", "optimizer", "lr_schedule",
    "grad_clip", "ema", "log_every", "eval_every", "eval_metrics", "checkpoint_every",
    "keep_checkpoints", "collapse_ratio", "progress",
}  # fmt: skip
PENALTY_KINDS = ("r1", "r2", "gp", "gp1", "dragan")
STAT_KEYS = ("loss_d", "penalty", "d_real", "d_fake", "d_acc", "loss_g")
BLOCK = 64  # steps of random draws made at once per seed


class StackedNet:
    """One network's weights for S seeds, called on ``[S, n, ...]`` inputs with vmap.

    Spectral normalisation (a parametrisation that updates its power-iteration vectors in
    place, which vmap cannot batch) is done here on the stacked weights, with the same
    single power iteration per call as ``torch.nn.utils.parametrizations.spectral_norm``.
    """

    def __init__(self, modules: Sequence[nn.Module], trainable: bool = True):
        params, buffers = stack_module_state(list(modules))
        self.params = params if trainable else {k: v.detach() for k, v in params.items()}
        self.buffers = buffers
        base = copy.deepcopy(modules[0])
        self.spectral: list[tuple[str, str, str, str]] = []  # weight, original, u, v names
        for prefix, module in list(base.named_modules()):
            if not parametrize.is_parametrized(module, "weight"):
                continue
            where = f"{prefix}.parametrizations.weight"
            pz = module.parametrizations.weight
            if (
                not isinstance(module, nn.Linear)
                or len(pz) != 1
                or type(pz[0]).__name__ != "_SpectralNorm"
            ):
                raise ConfigError(f"vectorised seeds: unsupported parametrisation at {where}")
            self.spectral.append(
                (f"{prefix}.weight", f"{where}.original", f"{where}.0._u", f"{where}.0._v")
            )
            self.sn_eps = pz[0].eps
            # a plain layer in its place (remove_parametrizations would alter the class the
            # original networks share)
            plain = nn.Linear(module.in_features, module.out_features, module.bias is not None)
            parent, _, child = prefix.rpartition(".")
            setattr(base.get_submodule(parent), child, plain)
        sn_buffers = {name for _, _, u, v in self.spectral for name in (u, v)}
        self.plain_buffers = {k: v for k, v in buffers.items() if k not in sn_buffers}
        self.base = base.to("meta")

    @property
    def n_seeds(self) -> int:
        return next(iter(self.params.values())).shape[0]

    def weights(self, power_iteration: bool = True) -> dict[str, Tensor]:
        """The weights the base network sees: spectrally normalised where registered."""
        out = dict(self.params)
        for weight, original, u_name, v_name in self.spectral:
            W = out.pop(original)
            u, v = self.buffers[u_name], self.buffers[v_name]
            if power_iteration:
                with torch.no_grad():
                    u.copy_(F.normalize(_matvec(W, v), dim=-1, eps=self.sn_eps))
                    v.copy_(F.normalize(_matvec(W.mT, u), dim=-1, eps=self.sn_eps))
            sigma = (u * _matvec(W, v)).sum(-1)
            out[weight] = W / sigma.view(-1, 1, 1)
        return out

    def __call__(self, x: Tensor, weights: dict[str, Tensor] | None = None) -> Tensor:
        """The networks on ``x`` [S, n, ...]; pass ``weights()`` to share one power
        iteration between several calls."""

        def one(w: dict[str, Tensor], b: dict[str, Tensor], xs: Tensor) -> Tensor:
            return functional_call(self.base, (w, b), (xs,))

        return torch.vmap(one)(weights or self.weights(), self.plain_buffers, x)

    @torch.no_grad()
    def unstack_into(self, modules: dict[int, nn.Module]) -> None:
        """Copy seed i's weights and buffers into ``modules[i]`` (names as stacked)."""
        for i, module in modules.items():
            named = dict(module.named_parameters()) | dict(module.named_buffers())
            for name, value in (self.params | self.buffers).items():
                named[name].copy_(value[i])


def _matvec(W: Tensor, v: Tensor) -> Tensor:
    return torch.bmm(W, v.unsqueeze(-1)).squeeze(-1)


# -- what can be vectorised -------------------------------------------------------------


def _non_default(section: Any, allowed: set[str], defaults: Any) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(section)
        if f.name not in allowed and getattr(section, f.name) != getattr(defaults, f.name)
    ]


def check_vectorizable(experiments: Sequence[Experiment]) -> None:
    """Raise ConfigError unless ``experiments`` are one config over several seeds that this
    module can train together (standard alternating game, MLP networks, vector data)."""
    if not experiments:
        raise ConfigError("vectorised seeds: no experiments given")
    first = experiments[0].config
    seeds = [e.config.seed for e in experiments]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"vectorised seeds: seeds must differ, got {seeds}")
    dirs = [e.run_dir for e in experiments]
    if any(d is None for d in dirs) or len({Path(d).resolve() for d in dirs}) != len(dirs):
        raise ConfigError("vectorised seeds: every experiment needs its own run folder (out=...)")
    reference = {**first.to_dict(), "seed": None}
    for e in experiments[1:]:
        if {**e.config.to_dict(), "seed": None} != reference:
            raise ConfigError(
                f"vectorised seeds: {e.run_dir} differs from {experiments[0].run_dir} in more "
                "than the seed; vectorised runs share one config"
            )
    if first.game.name != "standard":
        raise ConfigError(f"vectorised seeds: game {first.game.name!r} is not vectorised")
    refused = [f"game.{k}" for k in first.game.params if k not in GAME_OPTIONS]
    if first.game.params.get("update", "alternating") != "alternating":
        refused.append(f"game.update={first.game.params['update']!r}")
    for role, kind in (("G", "generators"), ("D", "discriminators")):
        section = f"networks.{role}"
        net = first.networks[role]
        factory = experiments[0].registry.get(kind, net.name).factory
        defaults = {n: p.default for n, p in inspect.signature(factory).parameters.items()}
        refused += [
            f"{section}.{k}"
            for k, v in net.params.items()
            if k not in NET_OPTIONS and v != defaults.get(k, inspect.Parameter.empty)
        ]
        allowed = {"name", "params", "spectral_norm"}
        refused += [f"{section}.{k}" for k in _non_default(net, allowed, type(net)())]
    refused += [f"train.{k}" for k in _non_default(first.train, TRAIN_OPTIONS, TrainConfig())]
    if refused:
        raise ConfigError(
            f"vectorised seeds: not supported: {', '.join(refused)}; run the seeds one after "
            "another instead"
        )
    game = experiments[0].game
    if type(game) is not StandardGame:  # a subclass may change how fakes are made
        raise ConfigError(f"vectorised seeds: game {type(game).__name__} is not vectorised")
    if not (isinstance(game.G, MLPGenerator) and isinstance(game.D, MLPDiscriminator)):
        raise ConfigError(
            "vectorised seeds: only the MLP generator and discriminator are vectorised, got "
            f"{type(game.G).__name__} and {type(game.D).__name__}"
        )
    if game.penalty is not None and _penalty_kind(game) is None:
        raise ConfigError(
            f"vectorised seeds: penalty {game.penalty.description!r} is not vectorised; "
            f"supported: {', '.join(PENALTY_KINDS)}"
        )
    if not isinstance(experiments[0].data.train, Tensor):
        raise ConfigError("vectorised seeds: the data must be a single tensor per batch")


def _penalty_kind(game: StandardGame) -> str | None:
    if game.penalty is None:
        return None
    for name in PENALTY_KINDS:
        if name in PENALTIES and game.penalty.fn is PENALTIES[name].fn:
            return name
    return None


# -- the step, per seed -------------------------------------------------------------------


def input_grad_sq(D: StackedNet, x: Tensor, weights: dict[str, Tensor] | None = None) -> Tensor:
    """Per-seed, per-sample squared norm of dD/dx at ``x`` [S, n, ...] (graph kept).

    One backward of the sum gives every sample's own gradient: an MLP discriminator scores
    each sample independently of the others in its batch.
    """
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x, weights).sum(), x, create_graph=True)
    return grad.flatten(2).pow(2).sum(-1)


def penalty_per_seed(
    kind: str,
    D: StackedNet,
    real: Tensor,
    fake: Tensor,
    alpha: Tensor | None = None,
    noise: Tensor | None = None,
    weights: dict[str, Tensor] | None = None,
) -> Tensor:
    """The penalties of :mod:`gansci.engine.penalties` per seed, [S]: ``alpha`` [S, n] are
    the interpolation weights, ``noise`` [S, n, ...] DRAGAN's uniform draws."""
    if kind in ("r1", "r2"):
        return 0.5 * input_grad_sq(D, real if kind == "r1" else fake, weights).mean(1)
    a = alpha.view(*alpha.shape, *[1] * (real.dim() - 2))
    real = real.detach()
    if kind == "dragan":
        std = real.flatten(1).std(1).view(-1, *[1] * (real.dim() - 1))
        other = real + 0.5 * std * noise
    else:
        other = fake.detach()
    norm = input_grad_sq(D, real + a * (other - real), weights).add(1e-12).sqrt()
    excess = (norm - 1).clamp_min(0) if kind == "gp1" else norm - 1
    return excess.pow(2).mean(1)


class _Draws:
    """Each seed's own stream of batch indices, latents and penalty noise, drawn in blocks
    of steps and stacked over seeds."""

    def __init__(
        self,
        seeds: list[int],
        n_train: int,
        shape: tuple[int, ...],
        latent: int,
        batch: int,
        n_critic: int,
        kind: str | None,
        device: torch.device,
    ):
        self.generators = [torch.Generator().manual_seed(s) for s in seeds]
        self.n_train, self.shape, self.latent = n_train, shape, latent
        self.batch, self.n_critic, self.kind, self.device = batch, n_critic, kind, device
        self.block: dict[str, Tensor] = {}
        self.at = BLOCK

    def next(self) -> dict[str, Tensor]:
        if self.at == BLOCK:
            self._refill()
        out = {k: v[self.at] for k, v in self.block.items()}
        self.at += 1
        return out

    def _refill(self) -> None:
        k, c, b = BLOCK, self.n_critic, self.batch
        parts: dict[str, list[Tensor]] = {}
        for g in self.generators:
            draws = {
                "index": torch.randint(self.n_train, (k, c, b), generator=g),
                "z_d": torch.randn(k, c, b, self.latent, generator=g),
                "z_g": torch.randn(k, b, self.latent, generator=g),
            }
            if self.kind == "dragan":
                draws["noise"] = torch.rand(k, c, b, *self.shape, generator=g)
            if self.kind in ("gp", "gp1", "dragan"):
                draws["alpha"] = torch.rand(k, c, b, generator=g)
            for name, t in draws.items():
                parts.setdefault(name, []).append(t)
        self.block = {n: torch.stack(ts, 1).to(self.device) for n, ts in parts.items()}
        self.at = 0


def _seed_norms(grads: Sequence[Tensor]) -> Tensor:
    return torch.stack([g.flatten(1).pow(2).sum(1) for g in grads]).sum(0).sqrt()


def _update(player: Player, params: list[Tensor], grads: Sequence[Tensor]) -> Tensor:
    """Per-seed gradient norm (before clipping, as the trainer logs it), per-seed clipping
    to the player's ``grad_clip``, then one step of the stacked optimiser."""
    norm = _seed_norms(grads)
    clip = player.grad_clip
    if clip > 0:
        coef = (clip / (norm + 1e-6)).clamp(max=1.0)
        grads = [g * coef.view(-1, *[1] * (g.dim() - 1)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    player.optimizer.step()
    return norm


# -- training -------------------------------------------------------------------------------


def fit_vectorized(experiments: Sequence[Experiment]) -> None:
    """Train several seeds of one experiment at once, each into its own run folder.

    ``experiments`` share one config except the seed, each with its own ``run_dir``
    (``Experiment.from_recipe(recipe, seed=s, out=dir, **overrides)``). Each folder ends up
    as ``Experiment.run(validate=False)`` leaves it: config.toml, metrics.jsonl,
    checkpoints and the final samples. A seed whose losses become non-finite stops logging
    and checkpointing (its last good checkpoint stays); the others finish, and then
    TrainingDiverged names the failed seeds. Raises ConfigError for what is not vectorised.
    """
    experiments = list(experiments)
    check_vectorizable(experiments)
    for exp in experiments:
        if checkpoint.latest(exp.run_dir / "checkpoints") is not None:
            raise ConfigError(f"{exp.run_dir} already holds a run; choose another --out")
    for exp in experiments:
        exp.run_dir.mkdir(parents=True, exist_ok=True)
        exp.config.write(exp.run_dir / "config.toml")
        (exp.run_dir / "metrics.jsonl").unlink(missing_ok=True)

    cfg = experiments[0].config.train
    games: list[StandardGame] = [e.game for e in experiments]  # type: ignore[misc]
    data = experiments[0].data
    game0 = games[0]
    G = StackedNet([g.G for g in games])
    D = StackedNet([g.D for g in games])
    ema = StackedNet([g.ema["G"] for g in games], trainable=False) if game0.ema else None
    players = {
        name: Player(list(net.params.values()), cfg.player(name), cfg.optimizer, cfg.steps, name)
        for name, net in (("G", G), ("D", D))
    }
    kind = _penalty_kind(game0)
    draws = _Draws(
        [e.config.seed for e in experiments],
        data.n_train,
        tuple(data.train.shape[1:]),
        game0.G.latent_dim,
        cfg.batch_size,
        game0.n_critic,
        kind,
        data.device,
    )
    loss = game0.loss
    smoothing = float(getattr(game0, "label_smoothing", 0.0))
    d_loss = torch.vmap(loss.discriminator)
    g_loss = (
        torch.vmap(loss.generator)
        if loss.relativistic
        else torch.vmap(lambda fake: loss.generator(fake, None))
    )

    def train_step(r: dict[str, Tensor]) -> Tensor:
        for c in range(game0.n_critic):
            real = data.train[r["index"][:, c]]
            with torch.no_grad():
                fake = G(r["z_d"][:, c])
            w = D.weights()
            if kind == "r1":  # R1's input gradient from the loss's own forward on real data
                real = real.detach().requires_grad_(True)
                d_real = D(real, w)
                (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
                pen = 0.5 * grad.flatten(2).pow(2).sum(-1).mean(1)
            else:
                d_real = D(real, w)
                pen = d_real.new_zeros(d_real.shape[0])
                if kind:
                    alpha = r["alpha"][:, c] if "alpha" in r else None
                    noise = r["noise"][:, c] if "noise" in r else None
                    pen = penalty_per_seed(kind, D, real, fake, alpha, noise, w)
            d_fake = D(fake, w)
            total = d_loss(d_real, d_fake)
            if smoothing:
                total = total + smoothing * d_real.mean(1)
            if kind:
                total = total + game0.penalty_weight * pen
            grads = torch.autograd.grad(total.sum(), list(D.params.values()))
            norm_d = _update(players["D"], list(D.params.values()), grads)
            if loss.weight_clip:
                with torch.no_grad():
                    for p in D.params.values():
                        p.clamp_(-loss.weight_clip, loss.weight_clip)
        fake = G(r["z_g"])
        if loss.relativistic:
            w = D.weights()
            loss_g = g_loss(D(fake, w), D(real.detach(), w).detach())
        else:
            loss_g = g_loss(D(fake))
        grads = torch.autograd.grad(loss_g.sum(), list(G.params.values()))
        norm_g = _update(players["G"], list(G.params.values()), grads)
        if ema is not None:
            with torch.no_grad():
                torch._foreach_lerp_(
                    list(ema.params.values()), list(G.params.values()), 1 - game0.ema_decay
                )
                for name, buf in G.buffers.items():
                    ema.buffers[name].copy_(buf)
        for p in players.values():
            p.scheduler.step()
        d_acc = ((d_real > 0).float().mean(1) + (d_fake < 0).float().mean(1)) / 2
        stats = [total, pen, d_real.mean(1), d_fake.mean(1), d_acc, loss_g, norm_g, norm_d]
        return torch.stack([s.detach().float() for s in stats])

    keys = [*STAT_KEYS, "grad_norm_G", "grad_norm_D"]
    n_seeds = len(experiments)
    logs = [e.run_dir / "metrics.jsonl" for e in experiments]
    acc = torch.zeros(len(keys), n_seeds, device=data.device)
    bad_at = torch.full_like(acc, -1)
    failed: dict[int, str] = {}
    n_acc = 0
    bar = tqdm(
        total=cfg.steps,
        desc=f"train x{n_seeds} seeds",
        disable=not (cfg.progress and sys.stderr.isatty()),
        dynamic_ncols=True,
    )
    with bar:
        for step in range(cfg.steps):
            values = train_step(draws.next())
            bad_at = torch.where(~values.isfinite() & (bad_at < 0), step, bad_at)
            acc += values
            n_acc += 1
            bar.update()
            done = step + 1
            is_log = done % cfg.log_interval == 0 or done == cfg.steps
            is_eval = cfg.eval_every > 0 and done % cfg.eval_every == 0
            is_ckpt = done % cfg.checkpoint_every == 0 or done == cfg.steps
            if not (is_log or is_eval or is_ckpt):
                continue
            bad = bad_at.T.tolist()
            for i in set(range(n_seeds)) - set(failed):
                rows = [(int(s), k) for s, k in zip(bad[i], keys, strict=True) if s >= 0]
                if rows:
                    s, k = min(rows)
                    failed[i] = f"{experiments[i].run_dir}: {k} became non-finite at step {s + 1}"
            means = (acc / n_acc).T.tolist()
            lrs = {f"lr_{n}": p.scheduler.get_last_lr()[0] for n, p in players.items()}
            acc.zero_()
            n_acc = 0
            live = [i for i in range(n_seeds) if i not in failed]
            if is_eval or is_ckpt:
                G.unstack_into({i: games[i].G for i in live})
                D.unstack_into({i: games[i].D for i in live})
                if ema is not None:
                    ema.unstack_into({i: games[i].ema["G"] for i in live})
            for i in live:
                if is_log:
                    record = {
                        "step": done,
                        "kind": "train",
                        **dict(zip(keys, means[i], strict=True)),
                        **lrs,
                    }
                    _append(logs[i], record)
                if is_eval:
                    scores = _evaluate(experiments[i], games[i], done)
                    _append(logs[i], {"step": done, "kind": "eval", **scores})
                if is_ckpt:
                    _save(experiments[i], games[i], done, players, i, draws.generators[i])
    for i, exp in enumerate(experiments):
        if i in failed:
            continue
        samples = exp.sample(1000, seed=exp.config.validate.seed)
        exp.write_samples(samples, exp.run_dir / "samples" / f"step-{cfg.steps:07d}")
    if failed:
        raise TrainingDiverged(
            f"{len(failed)} of {n_seeds} seeds diverged (their last good checkpoints are "
            "kept; the other seeds finished): " + "; ".join(failed.values())
        )


def _evaluate(exp: Experiment, game: StandardGame, step: int) -> dict[str, float]:
    """The experiment's own evaluation, as the sequential trainer calls it."""
    if len(inspect.signature(exp._evaluate).parameters) >= 2:
        return exp._evaluate(game, step)
    return exp._evaluate(game)  # type: ignore[call-arg]


def _append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a") as f:
        f.write(json.dumps(record) + "\n")


def _seed_optimizer_state(state: dict[str, Any], i: int) -> dict[str, Any]:
    """Seed ``i``'s slice of a stacked optimiser's state dict (scalars such as Adam's
    step count are shared by all seeds and kept whole)."""

    def pick(v: Any) -> Any:
        return v[i].clone() if isinstance(v, Tensor) and v.dim() > 0 else v

    return {
        "state": {k: {n: pick(v) for n, v in s.items()} for k, s in state["state"].items()},
        "param_groups": copy.deepcopy(state["param_groups"]),
    }


def _save(
    exp: Experiment,
    game: StandardGame,
    step: int,
    players: dict[str, Player],
    i: int,
    generator: torch.Generator,
) -> None:
    """Seed ``i``'s checkpoint in the layout of ``Trainer._save``."""
    if hasattr(game, "steps_done"):
        game.steps_done.fill_(step)
    state = {
        "step": step,
        "game": game.state_dict(),
        "optimizers": {
            n: _seed_optimizer_state(p.optimizer.state_dict(), i) for n, p in players.items()
        },
        "schedulers": {n: p.scheduler.state_dict() for n, p in players.items()},
        "selection": {"bad_evals": 0},  # no best-checkpoint selection here
        "rng": {"torch": generator.get_state(), "cuda": []},
    }
    cfg = exp.config.train
    checkpoint.save(state, exp.run_dir / "checkpoints", step, cfg.keep_checkpoints)
