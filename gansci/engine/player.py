"""A player: the parameters one side of a game updates, with its optimiser and schedule."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from gansci.config import PlayerConfig
from gansci.engine.optim import OPTIMIZERS
from gansci.errors import ConfigError

SCHEDULES = ("constant", "linear")


class Player:
    """One side of the game: its parameters, optimiser, schedule and gradient clipping.

    ``step(loss)`` is backward + update. Games that need both players' gradients at the
    same point call ``backward`` on each before ``update`` (simultaneous updates), and
    extragradient calls ``extrapolate()`` after a first ``backward``: the update is then
    taken from the saved point with the gradient at the extrapolated one.

    With ``seeds`` > 1 the parameters stack that many seeds' own along their first axis
    (:mod:`gansci.engine.stacked`): the loss holds one value per seed, and gradient norms
    and clipping are per seed. The optimisers update each element on its own, so one over
    the stacked tensors is one per seed.

    On CUDA the optimisers are fused; ``capturable`` makes Adam's step one a CUDA graph
    can hold (:mod:`gansci.engine.capture`).
    """

    def __init__(
        self,
        params: list[nn.Parameter],
        settings: PlayerConfig,
        optimizer: str = "adam",
        steps: int = 1,
        name: str = "player",
        seeds: int = 1,
        capturable: bool = False,
    ):
        self.params = [p for p in params if p.requires_grad]
        self.seeds = seeds
        check_settings(settings, optimizer, f"train.players.{name}")
        opt_cls = OPTIMIZERS[optimizer]
        kw = {"betas": tuple(settings.betas)} if "adam" in optimizer else {}
        if settings.weight_decay:
            kw["weight_decay"] = settings.weight_decay
        if self.params and all(p.is_cuda and p.is_floating_point() for p in self.params):
            kw["fused"] = True  # one kernel for all the parameters instead of one per op
            if capturable and "adam" in optimizer:  # its step count lives on the device
                kw["capturable"] = True
        self.optimizer = opt_cls(self.params, lr=settings.lr, **kw)
        if settings.lr_schedule == "linear":
            start = round(settings.lr_decay_start * steps)
            factor: Callable[[int], float] = LinearDecay(steps, start)
        else:
            factor = lambda s: 1.0  # noqa: E731
        self.scheduler = Schedule(self.optimizer, factor)
        self.grad_clip = settings.grad_clip
        self.grad_norm: Tensor | None = None
        self._anchor: list[Tensor] | None = None
        self.ddp_device: torch.device | None = None
        self.ddp: nn.Module | None = None

    def load_state(self, state: dict) -> None:
        """The optimiser's saved ``state``, kept on this player's own implementation (fused,
        capturable), whichever one saved it: a saved state brings its own flags along."""
        own = ("fused", "capturable", "foreach")
        flags = {k: v for k, v in self.optimizer.defaults.items() if k in own}
        self.optimizer.load_state_dict(state)
        for group in self.optimizer.param_groups:
            group.update(flags)
        if flags.get("fused") or flags.get("capturable"):  # their step counts live on the device
            for p, s in self.optimizer.state.items():
                if "step" in s:
                    s["step"] = s["step"].to(p.device, torch.float32)

    def distribute(self, device: torch.device) -> None:
        """Average this player's gradients over the processes of a torchrun job with
        DistributedDataParallel, set up at the first ``backward``."""
        self.ddp_device = device

    def _wrap(self, loss: Tensor) -> nn.Module:
        """DDP over this player's parameters; it looks for parameters a loss leaves unused
        (a graph walk every step) only if the first loss leaves some unused."""
        device = self.ddp_device
        return nn.parallel.DistributedDataParallel(
            _Params(self.params),
            device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=not _reaches(loss, self.params),
            init_sync=False,  # the trainer made every rank's weights rank 0's at the start
        )

    def backward(self, loss: Tensor) -> None:
        """Gradients of ``loss`` for this player's parameters only, averaged over the
        processes when distributed. ``backward(inputs=)`` runs the parameters' gradient
        hooks, which DDP's all-reduce needs (``autograd.grad`` would bypass them)."""
        for p in self.params:
            p.grad = None
        # stacked seeds' parameters are disjoint: the sum's gradient is each seed's own
        loss = loss.sum()
        if self.ddp_device is not None:
            if self.ddp is None:
                self.ddp = self._wrap(loss)
            loss = self.ddp(loss)
        loss.backward(inputs=self.params, retain_graph=True)

    def update(self) -> None:
        """Clip (or just measure) the gradient norm and take one optimiser step."""
        grads = [p.grad for p in self.params if p.grad is not None]
        if self.seeds > 1:
            self.grad_norm = _clip_per_seed(grads, self.grad_clip)
        elif self.grad_clip > 0:
            self.grad_norm = nn.utils.clip_grad_norm_(self.params, self.grad_clip)
        else:
            self.grad_norm = nn.utils.get_total_norm(grads)
        if self._anchor is not None:  # extragradient: step from the saved point
            with torch.no_grad():
                torch._foreach_copy_(self.params, self._anchor)
            self._anchor = None
        self.optimizer.step()

    def step(self, loss: Tensor) -> None:
        self.backward(loss)
        self.update()

    def extrapolate(self) -> None:
        """Extragradient's look-ahead: remember the weights, then step with the current
        gradients; the next ``update`` restarts from the remembered weights."""
        anchor = [p.detach().clone() for p in self.params]
        self.update()
        self._anchor = anchor


class _Params(nn.Module):
    """One player's parameters as the module DDP wraps. Its forward passes the player's
    loss through unchanged: DDP then expects, and all-reduces, exactly this player's
    gradients in the backward that follows, whatever networks the loss ran through.

    Wrapping the networks instead (StyleGAN2-ADA wraps G and D and turns each one's sync
    off per phase, ``ddp_sync``/``no_sync``) needs the trainer to know which network a
    phase updates and that every forward through a wrapped network is followed by that
    network's backward; a game of the contract runs D several times per loss (real, fake,
    penalty, consistency), runs G's loss through D, and may share networks between
    players, which is where "Expected to have finished reduction in the prior iteration"
    comes from. Here a reduction is prepared once per ``Player.backward``, for the
    parameters that backward computes, so it always finishes.
    """

    def __init__(self, params: list[nn.Parameter]):
        super().__init__()
        self.params = nn.ParameterList(params)  # the same tensors, not copies

    def forward(self, loss: Tensor) -> Tensor:
        return loss


def _reaches(loss: Tensor, params: list[nn.Parameter]) -> bool:
    """Whether ``loss``'s graph reaches every one of ``params``."""
    wanted = {id(p) for p in params}
    seen, todo = set(), [loss.grad_fn]
    while todo and wanted:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        wanted.discard(id(getattr(fn, "variable", None)))
        todo += [f for f, _ in fn.next_functions]
    return not wanted


class LinearDecay:
    """The linear schedule's factor: ``factor`` up to step ``start``, falling linearly to
    zero at step ``end`` (first 1 up to ``train.lr_decay_start * train.steps``, to zero at
    ``train.steps``). Its fields are saved with the scheduler's state, so a checkpoint holds
    the horizon it was trained towards."""

    def __init__(self, end: int, start: int = 0):
        self.start, self.factor, self.end = start, 1.0, end

    def __call__(self, step: int) -> float:
        if step <= self.start:
            return self.factor
        if self.end <= self.start:
            return 0.0
        return self.factor * max(0.0, 1.0 - (step - self.start) / (self.end - self.start))

    def extend(self, end: int, step: int) -> None:
        """A new horizon from ``step`` on: from the factor reached there to zero at ``end``;
        a decay not yet begun keeps its start's share of the horizon."""
        if end == self.end:
            return
        if step < self.start:
            self.start, self.end = max(step, round(self.start * end / self.end)), end
        else:
            self.start, self.factor, self.end = step, self(step), end


class Schedule(torch.optim.lr_scheduler.LambdaLR):
    """LambdaLR whose restored linear decays head for the horizon this player was built
    with (``train.steps`` now), continuing from the factor the checkpoint had reached."""

    def load_state_dict(self, state_dict: dict) -> None:
        horizons = [getattr(fn, "end", None) for fn in self.lr_lambdas]
        super().load_state_dict(state_dict)
        for fn, end in zip(self.lr_lambdas, horizons, strict=True):
            if isinstance(fn, LinearDecay):
                fn.extend(end, self.last_epoch)


def reached_factor(scheduler_state: dict, step: int) -> float:
    """The smallest learning-rate factor a saved scheduler had reached at ``step``: 1 for
    a constant schedule (and for checkpoints older than stored horizons)."""
    factors = [1.0]
    for saved in scheduler_state.get("lr_lambdas", []):
        if saved:
            decay = LinearDecay(0)
            decay.__dict__.update(saved)
            factors.append(decay(step))
    return min(factors)


def _clip_per_seed(grads: list[Tensor], clip: float) -> Tensor:
    """Each stacked seed's gradient norm, [seeds]; with ``clip`` > 0 each seed's gradients
    scaled as ``clip_grad_norm_`` scales one network's."""
    norms = [torch.linalg.vector_norm(g.flatten(1), dim=1) for g in grads]
    norm = torch.linalg.vector_norm(torch.stack(norms), dim=0)
    if clip > 0:
        coef = (clip / (norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.view(-1, *[1] * (g.dim() - 1)))
    return norm


def check_settings(settings: PlayerConfig, optimizer: str, where: str) -> None:
    """Raise ConfigError naming the field for any setting a player cannot train with."""
    if optimizer not in OPTIMIZERS:
        raise ConfigError(
            f"train.optimizer: unknown optimiser {optimizer!r}; valid: {', '.join(OPTIMIZERS)}"
        )
    lr, betas = settings.lr, settings.betas
    if not (lr is not None and lr > 0 and lr < float("inf")):
        raise ConfigError(f"{where}.lr must be a finite positive number, got {lr}")
    if betas is None or len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise ConfigError(f"{where}.betas must be two numbers in [0, 1), got {betas}")
    if settings.lr_schedule not in SCHEDULES:
        raise ConfigError(
            f"{where}.lr_schedule: unknown schedule {settings.lr_schedule!r}; "
            f"valid: {', '.join(SCHEDULES)}"
        )
    if not (settings.lr_decay_start is not None and 0 <= settings.lr_decay_start < 1):
        raise ConfigError(
            f"{where}.lr_decay_start must be in [0, 1) (a share of train.steps), "
            f"got {settings.lr_decay_start}"
        )
    for key in ("weight_decay", "grad_clip"):
        value = getattr(settings, key)
        if not (value is not None and 0 <= value < float("inf")):
            raise ConfigError(f"{where}.{key} must be a finite number >= 0, got {value}")
