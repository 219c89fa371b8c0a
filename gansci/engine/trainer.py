"""The training loop: players and optimisers, logging, evaluation, checkpoints, guards."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from tqdm.auto import tqdm

from gansci.config import TrainConfig
from gansci.data import Dataset
from gansci.engine import checkpoint, distributed
from gansci.engine.capture import Graphed
from gansci.engine.game import Game
from gansci.engine.player import Player
from gansci.errors import ConfigError, TrainingDiverged
from gansci.files import append_line, atomic_write, read_jsonl

log = logging.getLogger(__name__)


class MetricsLog:
    """metrics.jsonl: one JSON object a line, each fsynced, so a kill loses at most the
    line being written; only the main process writes."""

    def __init__(self, path: Path | None, resume_step: int = 0):
        self.path = path if distributed.is_main() else None
        if self.path is not None and self.path.exists():
            kept = [line for r, line in read_jsonl(self.path) if r.get("step", 0) <= resume_step]
            atomic_write(self.path, "".join(line + "\n" for line in kept))

    def write(self, record: dict[str, Any]) -> None:
        if self.path is not None:
            append_line(self.path, json.dumps(record))


Evaluate = Callable[[Game, int], dict[str, float]]


@dataclass
class Window:
    """The steps since the last log, evaluation or checkpoint step, at the next one: each
    statistic's mean and the first step it went non-finite at (-1: none), in the order of
    ``keys`` (with a seed axis after it for stacked seeds), and what the step is for."""

    keys: list[str]
    means: Tensor
    bad_at: Tensor
    is_log: bool
    is_eval: bool
    is_ckpt: bool


_none = contextlib.nullcontext()


def _stream(device: torch.device, k: int) -> torch.Generator:
    """The generator data batches and latents come from: in one process the device's
    default one (so one process draws as it always has), across K ranks one of their own,
    seeded alike on every rank (:func:`gansci.engine.distributed.draw`)."""
    if k > 1:
        return torch.Generator(device)
    if device.type == "cuda":
        return torch.cuda.default_generators[device.index or 0]
    return torch.default_generator


def _private_seed(seed: int, rank: int, step: int) -> int:
    """A rank's own stream's seed, well apart from the shared stream's and the others'."""
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1)[0])


@contextlib.contextmanager
def _threads(n: int):
    """torch's intra-op threads set to ``n`` (0: left as they are) within the block."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Trainer:
    """Runs a game for ``cfg.steps`` steps, writing logs and checkpoints into ``run_dir``.

    Nothing inside a step waits on the device: losses accumulate as tensors and are
    synchronised only at log, evaluation and checkpoint steps, where a non-finite loss
    stops the run before anything is written, so the last good checkpoint stays intact.
    A step and its statistics touch only the device, so ``train.capture="graphs"`` can
    replay them as one CUDA graph (:mod:`gansci.engine.capture`). ``rng`` is the generator
    the run's random draws come from, saved with checkpoints.
    """

    def __init__(
        self,
        cfg: TrainConfig,
        run_dir: Path | None = None,
        seed: int = 0,
        evaluate: Evaluate | None = None,
    ):
        self.cfg = cfg
        self.run_dir = run_dir
        self.seed = seed
        self.evaluate = evaluate
        self.step = 0
        self.best: float | None = None  # best value of cfg.select_metric so far
        self.bad_evals = 0  # evaluations since it last improved
        self.stopped_early = False
        self.rng = torch.default_generator
        self.stream: torch.Generator | None = None  # data and latents; see _stream
        self.graphs = False  # whether steps replay as CUDA graphs; see _graphs

    @property
    def checkpoint_dir(self) -> Path | None:
        return self.run_dir / "checkpoints" if self.run_dir else None

    def fit(self, game: Game, data: Dataset, resume: Path | None = None) -> Game:
        with _threads(self.cfg.threads):
            return self._fit(game, data, resume)

    def _fit(self, game: Game, data: Dataset, resume: Path | None) -> Game:
        cfg = self.cfg
        weight = next(game.parameters(), None)
        if weight is not None and weight.device != data.device:
            raise ConfigError(
                f"the game's networks are on {weight.device} but the data is on {data.device}: "
                "move both to one device (Experiment does so from its `device`)"
            )
        k = distributed.world_size()
        graphs = self.graphs = self._graphs(game, data, k)
        players = self.players(game)
        if cfg.batch_size % k:
            raise ConfigError(
                f"train.batch_size={cfg.batch_size} is the batch of all {k} processes "
                f"together: give a multiple of {k}"
            )
        self.stream = _stream(data.device, k)
        if resume is not None:
            self._restore(checkpoint.load(resume, data.device), game, players)
        else:
            torch.manual_seed(self.seed)
            self.stream.manual_seed(self.seed)
            self.step = 0
        if k > 1:
            # each rank's own draws (a game's noise, penalty interpolates) are its own
            torch.manual_seed(_private_seed(self.seed, distributed.rank(), self.step))
            distributed.share_state(game)
            for p in players.values():
                p.distribute(data.device)
        self.open_log()

        if cfg.compile:
            # torch.compile has no double backward, which a gradient penalty takes through D
            penalised = getattr(game, "D", None) if getattr(game, "penalty", None) else None
            for net in game.children():
                if net is not game.ema and net is not penalised:
                    net.compile()
        autocast = (
            torch.autocast(data.device.type, dtype=torch.bfloat16)
            if cfg.amp
            else contextlib.nullcontext()  # a disabled autocast costs its switches every step
        )

        def sample_real(view: str | None = None) -> Any:
            return data.sample(cfg.batch_size // k, view=view)

        keys: list[str] = []
        acc: Tensor | None = None  # the window's sums; bad_at: first non-finite step, or -1
        bad_at: Tensor | None = None
        at = torch.full((), float(self.step), device=data.device)  # the step, on the device

        def advance() -> None:
            """One step and its statistics, on the device only (so that a graph can hold it)."""
            nonlocal acc, bad_at
            with autocast, distributed.sharing(self.stream) if k > 1 else _none:
                out = game.step(sample_real, players)
            out.update({f"grad_norm_{n}": p.grad_norm for n, p in players.items()})
            game.update_ema()
            if not keys:
                keys.extend(out)
            values = torch.stack([out[key].float() for key in keys])
            if acc is None:
                acc, bad_at = torch.zeros_like(values), torch.full_like(values, -1)
            bad_at.copy_(torch.where(~values.isfinite() & (bad_at < 0), at, bad_at))
            acc.add_(values)
            at.add_(1)

        run = Graphed(advance, [p.optimizer for p in players.values()]) if graphs else advance
        n_acc = 0
        log_every = cfg.log_interval
        main = distributed.is_main()
        plain = main and cfg.progress and not sys.stderr.isatty()  # CI logs, nohup: lines
        bar = tqdm(
            total=cfg.steps,
            initial=self.step,
            desc="train",
            disable=not (main and cfg.progress and sys.stderr.isatty()),
            dynamic_ncols=True,
        )
        with bar:
            while self.step < cfg.steps:
                run()
                for p in players.values():
                    p.scheduler.step()
                n_acc += 1
                self.step += 1
                bar.update()
                done = self.step
                is_log = done % log_every == 0 or done == cfg.steps
                is_eval = cfg.eval_every > 0 and done % cfg.eval_every == 0
                is_ckpt = done % cfg.checkpoint_every == 0 or done == cfg.steps
                if not (is_log or is_eval or is_ckpt):
                    continue
                means, first_bad = distributed.mean(acc / n_acc), distributed.first_step(bad_at)
                window = Window(keys, means, first_bad, is_log, is_eval, is_ckpt)
                acc.zero_()
                n_acc = 0
                self.sync(game, players, window)
                if is_log:  # the losses on the bar, averaged over stacked seeds
                    means = window.means.view(len(keys), -1).mean(1).tolist()
                    shown = dict(zip(keys, means, strict=True))
                    if plain:
                        losses = ", ".join(
                            f"{k} {v:.4g}" for k, v in shown.items() if k.startswith("loss")
                        )
                        log.info("step %d/%d: %s", done, cfg.steps, losses)
                    bar.set_postfix(
                        {k: f"{v:.3g}" for k, v in shown.items() if k.startswith("loss")}
                    )
                if self.stopped_early:
                    break
        return game

    def players(self, game: Game) -> dict[str, Player]:
        """The game's players, each with its optimiser and schedule from the config."""
        cfg = self.cfg
        return {
            name: Player(
                params, cfg.player(name), cfg.optimizer, cfg.steps, name, game.seeds, self.graphs
            )
            for name, params in game.players().items()
        }

    def _graphs(self, game: Game, data: Dataset, k: int) -> bool:
        """Whether steps replay as CUDA graphs: ``train.capture="graphs"`` on a CUDA device.
        What a graph cannot hold is refused on any device, so that a config tried on the
        CPU does not fail later on a GPU; on the CPU the steps run eagerly."""
        cfg = self.cfg
        if cfg.capture != "graphs":
            return False
        why = ""
        if k > 1:
            why = f"it is for one process (DDP's all-reduce is not replayed), not {k}"
        elif cfg.compile:
            why = "train.compile=true is another way to the same end: choose one"
        elif not game.capturable:
            why = f"game {type(game).__name__}'s step is not declared capturable"
        elif type(data).sample is not Dataset.sample:
            why = (
                f"{type(data).__name__}.sample draws batches its own way, which a graph "
                "cannot replay with fresh rows"
            )
        if why:
            raise ConfigError(f"train.capture=graphs: {why}; use train.capture=none")
        if data.device.type != "cuda":
            log.info("train.capture=graphs: no CUDA device (%s), steps run eagerly", data.device)
            return False
        return True

    def open_log(self) -> None:
        """metrics.jsonl, without the records of steps after the current one."""
        path = self.run_dir / "metrics.jsonl" if self.run_dir else None
        self.metrics_log = MetricsLog(path, self.step)

    def sync(self, game: Game, players: dict[str, Player], window: Window) -> None:
        """At a log, evaluation or checkpoint step: check that the losses stayed finite,
        then log their means, evaluate, keep the best weights and save, as the ``window``
        and the config say."""
        cfg, done = self.cfg, self.step
        self._check_finite(window.keys, window.bad_at)
        record = {"step": done, "kind": "train"}
        record.update(zip(window.keys, window.means.tolist(), strict=True))
        record.update({f"lr_{n}": p.scheduler.get_last_lr()[0] for n, p in players.items()})
        if window.is_log:
            self.metrics_log.write(record)
        if window.is_eval and self.evaluate is not None:
            if distributed.is_main():  # it writes samples and figures
                scores = self.evaluate(game, done)
                self.metrics_log.write({"step": done, "kind": "eval", **scores})
                log.info("step %d: %s", done, scores)
                if cfg.select_metric:
                    self._select(scores, game)
            self.stopped_early = distributed.broadcast(self.stopped_early)
        if (window.is_ckpt or self.stopped_early) and self.run_dir and distributed.is_main():
            self._save(game, players)
        if self.stopped_early and distributed.is_main():
            self.metrics_log.write({"step": done, "kind": "early_stop", "best": self.best})
            log.warning(
                "early stop at step %d: %s has not improved for %d evaluations (best %.4g)",
                done, cfg.select_metric, self.bad_evals, self.best,
            )  # fmt: skip

    def _select(self, scores: dict[str, float], game: Game) -> None:
        """Keep checkpoints/best.pt at the best value of ``select_metric``; count patience."""
        cfg = self.cfg
        if cfg.select_metric not in scores:
            raise ConfigError(
                f"train.select_metric={cfg.select_metric!r} is not among the evaluated keys: "
                f"{', '.join(sorted(scores))} (add its metric to train.eval_metrics)"
            )
        value = scores[cfg.select_metric]
        if self.best is None or (
            value < self.best if cfg.select_mode == "min" else value > self.best
        ):
            self.best, self.bad_evals = value, 0
            if self.checkpoint_dir is not None and distributed.is_main():
                state = {"step": self.step, "game": game.state_dict(), "value": value}
                checkpoint.atomic_save(state, self.checkpoint_dir / checkpoint.BEST)
        else:
            self.bad_evals += 1
            self.stopped_early = 0 < cfg.patience <= self.bad_evals

    def _check_finite(self, keys: list[str], bad_at: Tensor) -> None:
        bad = bad_at.tolist()
        failures = [(int(s), k) for s, k in zip(bad, keys, strict=True) if s >= 0]
        if not failures:
            return
        step, key = min(failures)
        last = checkpoint.latest(self.checkpoint_dir) if self.checkpoint_dir else None
        kept = f"the last good checkpoint is {last}" if last else "no checkpoint was written"
        raise TrainingDiverged(
            f"training diverged: {key} became non-finite at step {step + 1}; {kept}. "
            "Lower the learning rates, add a gradient penalty or clip gradients "
            "(--set train.grad_clip=1.0)."
        )

    def _save(self, game: Game, players: dict[str, Player]) -> None:
        state = {
            "step": self.step,
            "game": game.state_dict(),
            "optimizers": {n: p.optimizer.state_dict() for n, p in players.items()},
            "schedulers": {n: p.scheduler.state_dict() for n, p in players.items()},
            "selection": {"bad_evals": self.bad_evals}
            | ({"best": self.best} if self.best is not None else {}),
            "rng": {
                "torch": self.rng.get_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                # data and latents, the same at any number of ranks
                "stream": (self.rng if self.stream is None else self.stream).get_state(),
            },
        }
        checkpoint.save(state, self.checkpoint_dir, self.step, self.cfg.keep_checkpoints)

    def _restore(self, state: dict[str, Any], game: Game, players: dict[str, Player]) -> None:
        game.load_state_dict(state["game"])
        for name, player in players.items():
            player.load_state(state["optimizers"][name])
            player.scheduler.load_state_dict(state["schedulers"][name])
        self.rng.set_state(state["rng"]["torch"].cpu())
        if state["rng"]["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all([s.cpu() for s in state["rng"]["cuda"]])
        device = next(iter(players.values())).params[0].device if players else None
        stream = state["rng"].get("stream")  # older checkpoints: one process's default
        if stream is None and device is not None and device.type == "cuda":
            stream = state["rng"]["cuda"][device.index or 0]
        self.stream.set_state((stream if stream is not None else state["rng"]["torch"]).cpu())
        self.step = int(state["step"])
        self.best = state["selection"].get("best")
        self.bad_evals = int(state["selection"]["bad_evals"])
