"""CycleGAN's networks for 1-D signals and 2-D fields: a ResNet translator and a PatchGAN.

Samples are channels-last, ``(n, L, C)`` or ``(n, H, W, C)`` (the engine standardises
the last axis, here the channels); the networks move the channels first inside. Both
follow Zhu et al. 2017 (the reference implementation's ``resnet_*blocks`` and
``basic``/``n_layers`` discriminators) with instance norm and N(0, 0.02) weights.
"""

from __future__ import annotations

from torch import Tensor, nn

from gansci.plugin import ConfigError, Dataset


def sample_shape(data: Dataset) -> tuple[int, ...]:
    """One sample's shape, channels last: (L, C) or (H, W, C)."""
    return tuple(data.split("train", 2, view=data.views[0] if data.views else None).shape[1:])


def layers_for(shape: tuple[int, ...]) -> dict[str, type[nn.Module]]:
    """The 1-D or 2-D versions of the layers, for samples of ``shape`` (channels last)."""
    if len(shape) == 2:
        return {"conv": nn.Conv1d, "up": nn.ConvTranspose1d, "norm": nn.InstanceNorm1d,
                "pad": nn.ReflectionPad1d}  # fmt: skip
    if len(shape) == 3:
        return {"conv": nn.Conv2d, "up": nn.ConvTranspose2d, "norm": nn.InstanceNorm2d,
                "pad": nn.ReflectionPad2d}  # fmt: skip
    raise ConfigError(f"cyclegan networks take (L, C) signals or (H, W, C) fields, got {shape}")


def init_weights(net: nn.Module, std: float = 0.02) -> nn.Module:
    """The reference's ``normal`` init: conv weights N(0, std), biases 0."""
    for m in net.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return net


class ResnetBlock(nn.Module):
    def __init__(self, dim: int, L: dict):
        super().__init__()
        self.body = nn.Sequential(
            L["pad"](1), L["conv"](dim, dim, 3), L["norm"](dim), nn.ReLU(True),
            L["pad"](1), L["conv"](dim, dim, 3), L["norm"](dim),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """c7s1-ngf, two stride-2 downsamplings, ``n_blocks`` residual blocks, two
    upsamplings, c7s1-C and tanh: a translator between views of one sample shape."""

    def __init__(self, data: Dataset, ngf: int = 64, n_blocks: int = 9, n_down: int = 2):
        super().__init__()
        shape = sample_shape(data)
        L, c = layers_for(shape), shape[-1]
        step = 2**n_down
        if any(s % step or s < 2 * step for s in shape[:-1]):
            raise ConfigError(
                f"networks: a sample of size {shape[:-1]} does not fit {n_down} downsamplings: "
                f"each size must be a multiple of {step}, at least {2 * step} (set n_down)"
            )
        layers = [L["pad"](3), L["conv"](c, ngf, 7), L["norm"](ngf), nn.ReLU(True)]
        for i in range(n_down):
            m = ngf * 2**i
            layers += [L["conv"](m, 2 * m, 3, stride=2, padding=1), L["norm"](2 * m), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 2**n_down, L) for _ in range(n_blocks)]
        for i in range(n_down, 0, -1):
            m = ngf * 2**i
            layers += [
                L["up"](m, m // 2, 3, stride=2, padding=1, output_padding=1),
                L["norm"](m // 2),
                nn.ReLU(True),
            ]
        layers += [L["pad"](3), L["conv"](ngf, c, 7), nn.Tanh()]
        self.net = init_weights(nn.Sequential(*layers))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.movedim(-1, 1)).movedim(1, -1)


def patch_sizes(size: int, n_layers: int) -> list[int]:
    """The spatial size after each 4-wide convolution of a PatchGAN with ``n_layers``."""
    sizes = [size]
    for stride in [2] * n_layers + [1, 1]:
        sizes.append((sizes[-1] - 2) // stride + 1)
    return sizes[1:]


class PatchDiscriminator(nn.Module):
    """PatchGAN with ``n_layers`` stride-2 layers: one logit per overlapping patch
    (``patches``); ``forward`` gives each sample's mean patch logit, shape (n,).
    ``n_layers`` unset: 3, or as many as the samples' size allows."""

    def __init__(self, data: Dataset, ndf: int = 64, n_layers: int | None = None):
        super().__init__()
        shape = sample_shape(data)
        L, c = layers_for(shape), shape[-1]

        def fits(n: int) -> bool:  # every normalised map holds > 1 value, and a patch is left
            return all(min(patch_sizes(s, n)[1:-1]) > 1 for s in shape[:-1])

        if n_layers is None:
            n_layers = max([n for n in (1, 2, 3) if fits(n)], default=1)
        if not fits(n_layers):
            raise ConfigError(f"networks: samples of size {shape[:-1]} are too small for "
                              f"{n_layers} discriminator layers; lower n_layers")  # fmt: skip
        layers = [L["conv"](c, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [
                L["conv"](ndf * prev, ndf * mult, 4, stride=stride, padding=1),
                L["norm"](ndf * mult),
                nn.LeakyReLU(0.2, True),
            ]
        layers += [L["conv"](ndf * mult, 1, 4, stride=1, padding=1)]
        self.net = init_weights(nn.Sequential(*layers))

    def patches(self, x: Tensor) -> Tensor:
        """The patch logits, (n, patches)."""
        return self.net(x.movedim(-1, 1)).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.patches(x).mean(1)
