"""The ResNet translator and the PatchGAN on 1-D signals and 2-D fields of any channel count."""

import numpy as np
import pytest
import torch
from gansci_cyclegan.data import Domains
from gansci_cyclegan.nets import PatchDiscriminator, ResnetGenerator

from gansci.plugin import ConfigError


def domains(shape, n=6, seed=0):
    rng = np.random.default_rng(seed)
    split = {v: rng.normal(size=(n, *shape)) for v in "AB"}
    return Domains(split, {v: rng.normal(size=(3, *shape)) for v in "AB"})


@pytest.mark.parametrize("shape", [(32, 1), (16, 3), (16, 16, 1), (8, 12, 4)])
def test_translator_keeps_the_shape_in_float32_and_stays_in_tanh_range(shape):
    data = domains(shape)
    G = ResnetGenerator(data, ngf=4, n_blocks=1, n_down=1 if min(shape[:-1]) < 16 else 2)
    x = data.sample(5, view="A")
    y = G(x)
    assert y.shape == x.shape and y.dtype == torch.float32
    assert y.abs().max() <= 1


@pytest.mark.parametrize("shape, patches", [((64, 2), 14), ((32, 32, 3), 36)])
def test_patchgan_gives_one_logit_per_patch_and_their_mean(shape, patches):
    # two stride-2 layers, then two stride-1 4-wide ones: 64 -> 32 -> 16 -> 15 -> 14
    D = PatchDiscriminator(domains(shape), ndf=4, n_layers=2)
    x = domains(shape).sample(3, view="B")
    logits = D.patches(x)
    assert logits.shape == (3, patches)
    assert torch.allclose(D(x), logits.mean(1))


def test_weights_start_normal_with_std_002():
    data = domains((32, 32, 1))
    G = ResnetGenerator(data, ngf=16, n_blocks=2)
    w = torch.cat(
        [m.weight.detach().flatten() for m in G.modules() if isinstance(m, torch.nn.Conv2d)]
    )
    assert abs(float(w.std()) - 0.02) < 0.002 and abs(float(w.mean())) < 0.002


def test_a_sample_too_small_for_the_downsamplings_is_a_clear_error():
    with pytest.raises(ConfigError, match="does not fit 2 downsamplings"):
        ResnetGenerator(domains((6, 6, 1)), ngf=4, n_blocks=1)
