"""Saturation: against a strong D, the minimax generator loss has vanishing gradients, NS not.

The generator's loss in the original minimax game, log(1 - D(G(z))), has the gradient
-sigmoid(logit) per sample in D's logit, which vanishes when D rejects the fakes
confidently; the non-saturating loss -log D(G(z)) has -sigmoid(-logit), which tends to -1
there (Goodfellow et al. 2014, sec. 3; Arjovsky & Bottou 2017, sec. 2.2). On the built-in
ring8 data, with gansci's MLP networks, losses, game and Players:

1. G is frozen at its initialisation and D is trained from scratch (NS discriminator loss,
   identical for both games); at each D step the norm of G's gradient is measured under
   both generator losses, at the same G and D.
2. From that strong D, the game is played with each loss from the same start (same
   weights, same random stream), with SGD (the setting of the theory) and with Adam
   (gansci's default, whose per-parameter normalisation rescales small gradients), and
   G's gradient norm is logged at every step.

Prints the table, saves the figure, exits 1 if the minimax gradients do not vanish next
to NS ones (after pretraining, and over the SGD game's steps).

    python experiments/saturation.py    # about 15 s of CPU on one core
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from gansci.builtin.mixtures import ring8  # noqa: E402
from gansci.config import TrainConfig  # noqa: E402
from gansci.data import Dataset  # noqa: E402
from gansci.engine.game import StandardGame, StandardOptions  # noqa: E402
from gansci.engine.losses import LOSSES  # noqa: E402
from gansci.engine.player import Player  # noqa: E402
from gansci.nets.mlp import MLPDiscriminator, MLPGenerator  # noqa: E402

GENERATOR_LOSSES = ("minimax", "ns")
GAME_LR = {"sgd": 0.05, "adam": 2e-4}
MAX_RATIO = 0.05  # minimax / NS gradient norm; the theory predicts about sigmoid(logit) << 1
FIGURE = Path(__file__).parent / "figures" / "saturation.png"


def generator_grad_norms(G: nn.Module, D: nn.Module, z: torch.Tensor) -> dict[str, float]:
    """The norm of G's gradient under each generator loss, at the current G and D."""
    logits = D(G(z))
    norms = {}
    for name in GENERATOR_LOSSES:
        loss = LOSSES[name].generator(logits, None)
        grads = torch.autograd.grad(loss, list(G.parameters()), retain_graph=True)
        norms[name] = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item()
    return norms


def pretrain_discriminator(
    G: nn.Module,
    D: nn.Module,
    data: Dataset,
    n_steps: int = 500,
    batch_size: int = 256,
    lr: float = 1e-3,
) -> dict[str, np.ndarray]:
    """Train D against the frozen G; G's gradient norms under both losses at every step."""
    settings = TrainConfig(lr=lr, betas=[0.5, 0.999], lr_schedule="constant").player("")
    player = Player(list(D.parameters()), settings, "adam", n_steps)
    z_probe = torch.randn(1024, G.latent_dim)
    record: dict[str, list[float]] = {name: [] for name in (*GENERATOR_LOSSES, "d_fake")}

    def measure() -> None:
        for name, value in generator_grad_norms(G, D, z_probe).items():
            record[name].append(value)
        with torch.no_grad():
            record["d_fake"].append(torch.sigmoid(D(G(z_probe))).mean().item())

    for _ in range(n_steps):
        measure()
        with torch.no_grad():
            fake = G(torch.randn(batch_size, G.latent_dim))
        player.step(LOSSES["ns"].discriminator(D(data.sample(batch_size)), D(fake)))
    measure()
    return {k: np.array(v) for k, v in record.items()}


def play_from(
    start: tuple[dict, dict],
    G: nn.Module,
    D: nn.Module,
    data: Dataset,
    loss: str,
    optimizer: str,
    n_steps: int = 200,
    batch_size: int = 256,
    seed: int = 1,
) -> dict[str, np.ndarray]:
    """The standard game with ``loss`` from the saved start; G's gradient norm each step."""
    G.load_state_dict(start[0])
    D.load_state_dict(start[1])
    torch.manual_seed(seed)  # the same batches and latents for both losses
    game = StandardGame(G, D, StandardOptions(loss=loss))
    settings = TrainConfig(
        lr=GAME_LR[optimizer], betas=[0.5, 0.999], lr_schedule="constant"
    ).player("")
    players = {name: Player(p, settings, optimizer, n_steps) for name, p in game.players().items()}
    norms, d_fake = [], []
    for _ in range(n_steps):
        out = game.step(lambda: data.sample(batch_size), players)
        norms.append(players["G"].grad_norm.item())
        d_fake.append(out["d_fake"].item())
    return {"grad_norm": np.array(norms), "d_fake_logit": np.array(d_fake)}


def run(
    pretrain_steps: int = 500, game_steps: int = 200, seed: int = 0
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], dict[str, np.ndarray]]]:
    """Both parts of the experiment: the pretraining record and the four games."""
    torch.manual_seed(seed)
    data = ring8(n=20_000, seed=seed)
    G = MLPGenerator(data, latent_dim=2, hidden=64, depth=2)
    D = MLPDiscriminator(data, hidden=64, depth=2)
    pre = pretrain_discriminator(G, D, data, pretrain_steps)
    start = (copy.deepcopy(G.state_dict()), copy.deepcopy(D.state_dict()))
    games = {
        (opt, loss): play_from(start, G, D, data, loss, opt, game_steps, seed=seed + 1)
        for opt in GAME_LR
        for loss in GENERATOR_LOSSES
    }
    return pre, games


def check(pre: dict[str, np.ndarray], games: dict) -> list[str]:
    failures = []
    mm, ns = pre["minimax"], pre["ns"]
    if not mm[-1] < MAX_RATIO * ns[-1]:
        failures.append(f"after pretraining D: minimax {mm[-1]:.3g} vs NS {ns[-1]:.3g}")
    if not mm[0] > 0.5 * ns[0]:  # an untrained D (logits near 0): both losses pull alike
        failures.append(f"before pretraining D: minimax {mm[0]:.3g} vs NS {ns[0]:.3g}")
    if not ns[-1] > ns[0]:
        failures.append(f"NS gradient vanished as D learned: {ns[0]:.3g} -> {ns[-1]:.3g}")
    mm_game = np.median(games["sgd", "minimax"]["grad_norm"])
    ns_game = np.median(games["sgd", "ns"]["grad_norm"])
    if not mm_game < MAX_RATIO * ns_game:
        failures.append(f"SGD game: median G gradient minimax {mm_game:.3g} vs NS {ns_game:.3g}")
    return failures


def plot(pre: dict[str, np.ndarray], games: dict, path: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.9))
    ax = axes[0]
    for name in GENERATOR_LOSSES:
        ax.semilogy(pre[name], label=f"{name} generator loss")
    ax.set_xlabel("D training step (G frozen at initialisation)")
    ax.set_ylabel("‖∇_G loss_G‖")
    ax.set_title("1. G's gradient as D gets strong")
    twin = ax.twinx()
    twin.plot(pre["d_fake"], "k:", lw=1, label="mean D(G(z))")
    twin.set_ylabel("mean D(G(z))", fontsize=8)
    lines = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="center right")
    for ax, opt in zip(axes[1:], GAME_LR, strict=True):
        for loss in GENERATOR_LOSSES:
            ax.semilogy(games[opt, loss]["grad_norm"], label=f"{loss}", lw=0.9)
        ax.set_xlabel("game step (from the strong D)")
        ax.set_title(f"2. G's gradient in the game, {opt} lr {GAME_LR[opt]:g}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-steps", type=int, default=500)
    parser.add_argument("--game-steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    pre, games = run(args.pretrain_steps, args.game_steps, args.seed)
    print(f"1. G frozen, D trained {args.pretrain_steps} steps: G's gradient norm")
    print(f"{'D step':>8}{'mean D(G(z))':>14}{'minimax':>12}{'ns':>12}{'ratio':>10}")
    for i in sorted({0, 10, 50, 100, args.pretrain_steps // 2, args.pretrain_steps}):
        if i <= args.pretrain_steps:
            mm, ns = pre["minimax"][i], pre["ns"][i]
            print(f"{i:>8}{pre['d_fake'][i]:>14.4g}{mm:>12.3g}{ns:>12.3g}{mm / ns:>10.2g}")
    print(f"2. the game from the strong D, {args.game_steps} steps: G's gradient norm")
    print(f"{'optimiser':<10}{'loss':<9}{'first':>10}{'median':>10}{'last':>10}{'D logit':>16}")
    for (opt, loss), g in games.items():
        n, logit = g["grad_norm"], g["d_fake_logit"]
        print(
            f"{opt:<10}{loss:<9}{n[0]:>10.3g}{np.median(n):>10.3g}{n[-1]:>10.3g}"
            f"{logit[0]:>8.2f}->{logit[-1]:>6.2f}"
        )
    plot(pre, games, args.figure)
    print(f"figure: {args.figure}")
    failures = check(pre, games)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
