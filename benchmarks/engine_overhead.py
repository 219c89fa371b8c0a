"""The engine's overhead: grid25's game through Trainer.fit against a bare PyTorch loop of the
same math (ns loss, R1 on real data, Adam, linear schedule, EMA of G), alternated.

    .venv/bin/python benchmarks/engine_overhead.py --steps 400 --rounds 3
    python3 benchmarks/engine_overhead.py --device cuda --steps 3000 --rounds 3

Variants: ``engine`` and ``bare`` (eager), ``engine-amp`` (train.amp, bf16 autocast),
``engine-graphs`` (train.capture=graphs; on the CPU it falls back to eager steps) and
``bare-graphs`` (the bare loop captured by hand into one CUDA graph: fused capturable Adam,
its learning rate in a device tensor, three eager steps on a side stream, then replays;
CUDA only). The defaults are engine and bare on the CPU, all five on CUDA.

Every variant starts from the same weights and draws the same batches and latents; the
script prints how far engine and bare (and engine-graphs and bare-graphs) end apart, so
the loop is seen to be the same math, before the ratios. A timed run includes the
trainer's set-up, the warm-up and the capture. What the engine adds: per-step statistics,
gradient norms, the finite-loss guard, logging every ``steps // 100`` steps. Nothing is
written to disk (no run folder).
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

TODAY = 105.0  # grid25's eager steps/s on the H200 lent on 2026-11-29 (RESULTS.md, "GPU")
VARIANTS = ("engine", "bare", "engine-amp", "engine-graphs", "bare-graphs")


def build(steps: int, device: str):
    overrides = {"data.n": 6000, "train.steps": steps, "train.eval_every": 0}
    exp = Experiment.from_recipe("grid25", device=device, overrides=overrides)
    cfg = dataclasses.replace(exp.config.train, progress=False)
    return exp, cfg


def engine(exp, cfg, game, **train):
    Trainer(dataclasses.replace(cfg, **train), None, exp.config.seed).fit(game, exp.data)
    return game


def bare(exp, cfg, game, graphs=False):
    """The same math as plain PyTorch: no statistics, no guards, no logging."""
    G, D, ema = game.G, game.D, game.ema["G"]
    data = exp.data.train
    o = game.options
    cuda = data.device.type == "cuda"
    lrs = [torch.full((), cfg.lr, device=data.device) if graphs else cfg.lr for _ in "GD"]
    kw = {"fused": True, "capturable": graphs} if cuda else {}
    opt_g = torch.optim.Adam(G.parameters(), lr=lrs[0], betas=tuple(cfg.betas), **kw)
    opt_d = torch.optim.Adam(D.parameters(), lr=lrs[1], betas=tuple(cfg.betas), **kw)
    torch.manual_seed(exp.config.seed)
    g_params, d_params = list(G.parameters()), list(D.parameters())
    ema_params = list(ema.parameters())

    def step() -> None:
        real = data[torch.randint(len(data), (cfg.batch_size,), device=data.device)]
        with torch.no_grad():
            fake = G(torch.randn(cfg.batch_size, G.latent_dim, device=data.device))
        real.requires_grad_(True)
        d_real, d_fake = D(real), D(fake)
        (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
        r1 = 0.5 * grad.pow(2).sum(1).mean()
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean() + o.penalty_weight * r1
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward(inputs=d_params)
        opt_d.step()
        z = torch.randn(cfg.batch_size, G.latent_dim, device=data.device)
        loss_g = F.softplus(-D(G(z))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward(inputs=g_params)
        opt_g.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, g_params, 1 - cfg.ema)

    graph = None
    for s in range(cfg.steps):
        lr = cfg.lr * max(0.0, 1 - s / cfg.steps)  # the linear schedule, as LambdaLR has it
        if not graphs:
            for opt in (opt_g, opt_d):
                opt.param_groups[0]["lr"] = lr
            step()
            continue
        for t in lrs:
            t.fill_(lr)
        if s < 3:  # warm up on a side stream
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                step()
            torch.cuda.current_stream().wait_stream(side)
            continue
        if graph is None:
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                step()
        graph.replay()
    return game


RUN = {
    "engine": engine,
    "bare": bare,
    "engine-amp": lambda exp, cfg, game: engine(exp, cfg, game, amp=True),
    "engine-graphs": lambda exp, cfg, game: engine(exp, cfg, game, capture="graphs"),
    "bare-graphs": lambda exp, cfg, game: bare(exp, cfg, game, graphs=True),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--rounds", type=int, default=3, help="alternations of the variants")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--variants", nargs="+", choices=VARIANTS, help="default: see above")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    cuda = torch.device(args.device).type == "cuda"
    variants = args.variants or (VARIANTS if cuda else ("engine", "bare"))
    if "bare-graphs" in variants and not cuda:
        p.error("bare-graphs captures a CUDA graph: give --device cuda")
    exp, cfg = build(args.steps, args.device)
    start = copy.deepcopy(exp.game)
    times: dict[str, list[float]] = {name: [] for name in variants}
    ends = {}
    for r in range(args.rounds + 1):  # round 0 warms up, untimed
        for name in variants:
            game = copy.deepcopy(start)
            if cuda:
                torch.cuda.synchronize()
            t = time.perf_counter()
            ends[name] = RUN[name](exp, cfg, game)
            if cuda:
                torch.cuda.synchronize()
            if r:
                times[name].append(time.perf_counter() - t)
    if cuda:
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    for a, b in (("engine", "bare"), ("engine-graphs", "bare-graphs")):
        if a in ends and b in ends:
            pairs = zip(ends[a].parameters(), ends[b].parameters(), strict=True)
            gap = max((x - y).abs().max().item() for x, y in pairs)
            print(f"largest weight difference {a} vs {b} after {args.steps} steps: {gap:.2e}")
    rate = {}
    for name, ts in times.items():
        per = [1e3 * t / args.steps for t in ts]
        rate[name] = args.steps / statistics.median(ts)
        print(
            f"{name}: ms/step per round {', '.join(f'{x:.3f}' for x in per)}; "
            f"median {rate[name]:.1f} steps/s"
        )
    for a, b in (("engine", "bare"), ("engine-graphs", "bare-graphs")):
        if a in times and b in times:
            ratios = [x / y for x, y in zip(times[a], times[b], strict=True)]
            med = statistics.median(ratios)
            print(f"{a} / {b} time, per round: {', '.join(f'{x:.3f}' for x in ratios)}; "
                  f"median {med:.3f}")  # fmt: skip
    for name in ("engine-amp", "engine-graphs"):
        if name in rate and "engine" in rate:
            print(f"{name} speed-up over engine (eager): {rate[name] / rate['engine']:.2f}x")
    if cuda and "engine-graphs" in rate:
        times_today = rate["engine-graphs"] / TODAY
        print(f"engine-graphs over today's {TODAY:.0f} steps/s: {times_today:.1f}x")


if __name__ == "__main__":
    main()
