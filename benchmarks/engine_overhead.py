"""The engine's overhead on CPU: grid25's game through Trainer.fit against a bare PyTorch loop
of the same math (ns loss, R1 on real data, Adam, linear schedule, EMA of G), alternated.

    .venv/bin/python benchmarks/engine_overhead.py --steps 400 --rounds 3

Both start from the same weights and draw the same batches and latents; the script checks
that they end at the same weights (so the loop is the same math) before it prints the
ratio. What the engine adds: per-step statistics, gradient norms, the finite-loss guard,
logging every ``steps // 100`` steps. Nothing is written to disk (no run folder).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import statistics
import time

import torch
import torch.nn.functional as F

from gansci import Experiment
from gansci.engine.trainer import Trainer


def build(steps: int):
    overrides = {"data.n": 6000, "train.steps": steps, "train.eval_every": 0}
    exp = Experiment.from_recipe("grid25", device="cpu", overrides=overrides)
    cfg = dataclasses.replace(exp.config.train, progress=False)
    return exp, cfg


def engine(exp, cfg, game):
    Trainer(cfg, None, exp.config.seed).fit(game, exp.data)
    return game


def bare(exp, cfg, game):
    """The same math as plain PyTorch: no statistics, no guards, no logging."""
    G, D, ema = game.G, game.D, game.ema["G"]
    data = exp.data.train
    o = game.options
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    scheds = [
        torch.optim.lr_scheduler.LambdaLR(o_, lambda s: max(0.0, 1 - s / cfg.steps))
        for o_ in (opt_g, opt_d)
    ]
    torch.manual_seed(exp.config.seed)
    g_params, d_params = list(G.parameters()), list(D.parameters())
    ema_params = list(ema.parameters())
    for _ in range(cfg.steps):
        real = data[torch.randint(len(data), (cfg.batch_size,))]
        with torch.no_grad():
            fake = G(torch.randn(cfg.batch_size, G.latent_dim))
        real.requires_grad_(True)
        d_real, d_fake = D(real), D(fake)
        (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
        r1 = 0.5 * grad.pow(2).sum(1).mean()
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean() + o.penalty_weight * r1
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward(inputs=d_params)
        opt_d.step()
        loss_g = F.softplus(-D(G(torch.randn(cfg.batch_size, G.latent_dim)))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward(inputs=g_params)
        opt_g.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, g_params, 1 - cfg.ema)
        for s in scheds:
            s.step()
    return game


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--rounds", type=int, default=3, help="alternations of engine and bare")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    exp, cfg = build(args.steps)
    start = copy.deepcopy(exp.game)
    times: dict[str, list[float]] = {"engine": [], "bare": []}
    ends = {}
    for r in range(args.rounds + 1):  # round 0 warms up, untimed
        for name, fn in (("engine", engine), ("bare", bare)):
            game = copy.deepcopy(start)
            t = time.perf_counter()
            ends[name] = fn(exp, cfg, game)
            if r:
                times[name].append(time.perf_counter() - t)
    pairs = zip(ends["engine"].parameters(), ends["bare"].parameters(), strict=True)
    gap = max((a - b).abs().max().item() for a, b in pairs)
    print(f"largest weight difference engine vs bare after {args.steps} steps: {gap:.2e}")
    for name, ts in times.items():
        per = [1e3 * t / args.steps for t in ts]
        print(f"{name}: ms/step per round {', '.join(f'{x:.3f}' for x in per)}")
    ratios = [e / b for e, b in zip(times["engine"], times["bare"], strict=True)]
    med = statistics.median(ratios)
    print(f"engine / bare, per round: {', '.join(f'{r:.3f}' for r in ratios)}; median {med:.3f}")


if __name__ == "__main__":
    main()
