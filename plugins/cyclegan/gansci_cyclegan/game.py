"""The cycle game (Zhu et al. 2017): two translators, two PatchGAN critics, cycle and
identity losses, history pools; or, with ``paired``, the same translators fitted to
known pairs (the supervised upper bound)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gansci.plugin import ConfigError, Game, GameContext


@dataclass
class CycleOptions:
    """The cycle game's options (``[game]`` keys)."""

    loss: str = "lsgan"  # an adversarial loss by name (gansci losses)
    cycle_weight: float = 10.0  # λ: L1 cycle-consistency weight, per direction
    identity_weight: float = 0.5  # identity L1 weight, as a share of λ
    pool_size: int = 50  # history of generated samples D sees; 0 turns it off
    pool_prob: float = 0.5  # chance a full pool returns an old sample in a new one's place
    cycle_noise_std: float = 0.0  # Gaussian noise on a translation before it goes back
    cycle_quantize_bits: int = 0  # quantise a translation to 2^bits levels on [-1, 1]
    cycle_lowpass_sigma: float = 0.0  # blur a translation (Gaussian, in samples) first
    paired: bool = False  # supervised L1 on row-aligned training pairs, no critics


class HistoryPool(nn.Module):
    """The reference's image pool: up to ``size`` past fakes; once full, each new fake
    is, with probability ``prob``, swapped for a stored one. The stored samples and the
    fill count are module state, so checkpoints hold them; draws use torch's RNG."""

    def __init__(self, size: int, shape: tuple[int, ...], prob: float = 0.5):
        super().__init__()
        self.size, self.prob, self.filled = size, prob, 0
        self.register_buffer("samples", torch.zeros(size, *shape))

    def get_extra_state(self) -> dict:
        return {"filled": self.filled}

    def set_extra_state(self, state: dict) -> None:
        self.filled = int(state["filled"])

    @torch.no_grad()
    def forward(self, fake: Tensor) -> Tensor:
        if self.size == 0:
            return fake
        fake = fake.detach()
        out = fake.clone()
        k = min(self.size - self.filled, len(fake))
        self.samples[self.filled : self.filled + k] = fake[:k]
        self.filled += k
        rest = len(fake) - k
        if rest:  # one draw each, taken in order as the reference does (no host sync)
            swap = torch.rand(rest, device=fake.device) < self.prob
            slot = torch.randint(self.size, (rest,), device=fake.device)
            for i in range(rest):
                old = self.samples[slot[i]]
                out[k + i] = torch.where(swap[i], old, fake[k + i])
                self.samples[slot[i]] = torch.where(swap[i], fake[k + i], old)
        return out


def gaussian_blur(x: Tensor, sigma: float) -> Tensor:
    """A differentiable Gaussian blur over the spatial axes of channels-last ``x``
    (reflected at the edges, kernel radius 3 sigma)."""
    r = max(1, int(3 * sigma + 0.5))
    t = torch.arange(-r, r + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c, dims = x.shape[-1], x.dim() - 2
    y = x.movedim(-1, 1)
    for axis in range(dims):  # separable: one 1-D pass per axis
        shape = [c, 1] + [1] * dims
        shape[2 + axis] = len(k)
        pad = [0, 0] * dims
        pad[2 * (dims - 1 - axis)] = pad[2 * (dims - 1 - axis) + 1] = r
        conv = F.conv1d if dims == 1 else F.conv2d
        y = conv(F.pad(y, pad, mode="reflect"), k.view(shape), groups=c)
    return y.movedim(1, -1)


class CycleGAN(Game):
    """G_AB: A -> B against D_B, G_BA: B -> A against D_A. G's loss is the adversarial
    terms, λ times the L1 cycle errors and identity_weight·λ times the L1 identity
    errors; each D takes (loss on real + loss on pooled fakes). With ``paired`` the
    translators fit the known training pairs by L1 alone (the critics are not used)."""

    Options = CycleOptions
    roles = {
        "G_AB": "generators",
        "G_BA": "generators",
        "D_A": "discriminators",
        "D_B": "discriminators",
    }
    generators = ("G_AB", "G_BA")
    directions = ("A2B", "B2A")

    def __init__(self, ctx: GameContext, options: CycleOptions):
        super().__init__()
        check_options(options)
        o, data = options, ctx.data
        if o.paired and not getattr(data, "paired", False):
            raise ConfigError(
                "game.paired=true trains on known pairs: the dataset must hold row-aligned "
                "training pairs (data.paired=true where the dataset offers it)"
            )
        self.G_AB, self.G_BA = ctx.network("G_AB"), ctx.network("G_BA")
        self.D_A, self.D_B = ctx.network("D_A"), ctx.network("D_B")
        self.loss = ctx.losses(o.loss)
        if self.loss.relativistic or self.loss.penalty or self.loss.weight_clip:
            raise ConfigError(f"game.loss={o.loss!r}: the cycle game takes a plain loss "
                              "(lsgan, ns, minimax, hinge)")  # fmt: skip
        self.options = o
        shapes = {v: tuple(data.split("train", 1, view=v).shape[1:]) for v in ("A", "B")}
        if shapes["A"] != shapes["B"]:
            raise ConfigError(f"the cycle game translates between samples of one shape; "
                              f"A has {shapes['A']}, B has {shapes['B']}")  # fmt: skip
        self.pool_A = HistoryPool(o.pool_size, shapes["A"], o.pool_prob)
        self.pool_B = HistoryPool(o.pool_size, shapes["B"], o.pool_prob)

    def players(self) -> dict[str, list[nn.Parameter]]:
        G = [*self.G_AB.parameters(), *self.G_BA.parameters()]
        if self.options.paired:
            return {"G": G}
        return {"G": G, "D": [*self.D_A.parameters(), *self.D_B.parameters()]}

    def cycle_path(self, x: Tensor) -> Tensor:
        """What a translation goes through before it is translated back (the
        steganography switches: noise, quantisation, low-pass; identity by default)."""
        o = self.options
        if o.cycle_lowpass_sigma > 0:
            x = gaussian_blur(x, o.cycle_lowpass_sigma)
        if o.cycle_quantize_bits > 0:
            levels = 2**o.cycle_quantize_bits - 1
            q = torch.round((x.clamp(-1, 1) + 1) / 2 * levels) / levels * 2 - 1
            x = x + (q - x).detach()  # straight through: the gradient of the identity
        if o.cycle_noise_std > 0:
            x = x + o.cycle_noise_std * torch.randn_like(x)
        return x

    def _adv(self, D: nn.Module, x: Tensor) -> Tensor:
        return D.patches(x) if hasattr(D, "patches") else D(x)

    def step(self, sample_real, players) -> dict[str, Tensor]:
        if self.options.paired:
            a, b = sample_real(("A", "B"))
            loss = (self.G_AB(a) - b).abs().mean() + (self.G_BA(b) - a).abs().mean()
            players["G"].step(loss)
            return {"loss_g": loss.detach()}
        o, loss = self.options, self.loss
        a, b = sample_real("A"), sample_real("B")
        fake_b, fake_a = self.G_AB(a), self.G_BA(b)
        cycle_a = (self.G_BA(self.cycle_path(fake_b)) - a).abs().mean()
        cycle_b = (self.G_AB(self.cycle_path(fake_a)) - b).abs().mean()
        gan = loss.generator(self._adv(self.D_B, fake_b), None) + loss.generator(
            self._adv(self.D_A, fake_a), None
        )
        loss_g = gan + o.cycle_weight * (cycle_a + cycle_b)
        idt = torch.zeros((), device=a.device)
        if o.identity_weight > 0:
            idt = (self.G_AB(b) - b).abs().mean() + (self.G_BA(a) - a).abs().mean()
            loss_g = loss_g + o.identity_weight * o.cycle_weight * idt
        players["G"].step(loss_g)
        pooled_b, pooled_a = self.pool_B(fake_b), self.pool_A(fake_a)
        loss_d = loss.discriminator(
            self._adv(self.D_A, a), self._adv(self.D_A, pooled_a)
        ) + loss.discriminator(self._adv(self.D_B, b), self._adv(self.D_B, pooled_b))
        players["D"].step(loss_d)
        return {
            "loss_g": loss_g.detach(),
            "loss_d": loss_d.detach(),
            "gan_g": gan.detach(),
            "cycle": (cycle_a + cycle_b).detach(),
            "identity": idt.detach(),
        }

    @torch.no_grad()
    def translate(self, x: Tensor, direction: str) -> Tensor:
        G = self.sampler("G_AB" if direction == "A2B" else "G_BA")
        was_training = G.training
        G.eval()
        out = torch.cat([G(x[i : i + 256]) for i in range(0, len(x), 256)])
        G.train(was_training)
        return out

    def generate(self, n, cond=None, generator=None):
        if cond is None:
            raise ConfigError("the cycle game translates: give inputs (gansci sample --from)")
        return self.translate(cond, self.directions[0])


def check_options(o: CycleOptions) -> None:
    """A ConfigError naming the option for any value the cycle game cannot use."""
    for key in ("cycle_weight", "identity_weight", "cycle_noise_std", "cycle_lowpass_sigma"):
        if not getattr(o, key) >= 0:
            raise ConfigError(f"game.{key} must be >= 0, got {getattr(o, key)}")
    if o.pool_size < 0:
        raise ConfigError(f"game.pool_size must be >= 0, got {o.pool_size}")
    if not 0 <= o.pool_prob <= 1:
        raise ConfigError(f"game.pool_prob must be in [0, 1], got {o.pool_prob}")
    if not 0 <= o.cycle_quantize_bits <= 16:
        raise ConfigError(f"game.cycle_quantize_bits must be in 0..16, got {o.cycle_quantize_bits}")
