"""Every adversarial loss against values computed by hand."""

import math

import pytest
import torch

from gansci.engine.losses import LOSSES, clip_weights_

R = torch.tensor([2.0, -1.0])  # D logits on real samples
F = torch.tensor([0.5, -3.0])  # D logits on fake samples


def sp(x: float) -> float:  # softplus
    return math.log1p(math.exp(x))


def mean(*xs: float) -> float:
    return sum(xs) / len(xs)


EXPECTED = {
    # name: (D loss, G loss), each by hand from R and F
    "ns": (mean(sp(-2), sp(1)) + mean(sp(0.5), sp(-3)), mean(sp(-0.5), sp(3))),
    "minimax": (mean(sp(-2), sp(1)) + mean(sp(0.5), sp(-3)), -mean(sp(0.5), sp(-3))),
    "wgan": (mean(0.5, -3) - mean(2, -1), -mean(0.5, -3)),
    "wgan-gp": (mean(0.5, -3) - mean(2, -1), -mean(0.5, -3)),
    "hinge": (mean(0, 2) + mean(1.5, 0), -mean(0.5, -3)),
    "lsgan": (0.5 * mean(1, 4) + 0.5 * mean(0.25, 9), 0.5 * mean(0.25, 16)),
    "rsgan": (mean(sp(-1.5), sp(-2)), mean(sp(1.5), sp(2))),
    "ragan": (
        mean(sp(-(2 + 1.25)), sp(-(-1 + 1.25))) + mean(sp(0.5 - 0.5), sp(-3 - 0.5)),
        mean(sp(-(0.5 - 0.5)), sp(-(-3 - 0.5))) + mean(sp(2 + 1.25), sp(-1 + 1.25)),
    ),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_values_by_hand(name):
    loss = LOSSES[name]
    d_expected, g_expected = EXPECTED[name]
    assert loss.discriminator(R, F).item() == pytest.approx(d_expected, rel=1e-6)
    real_for_g = R if loss.relativistic else None
    assert loss.generator(F, real_for_g).item() == pytest.approx(g_expected, rel=1e-6)


def test_every_loss_has_a_hand_computed_check():
    assert set(EXPECTED) == set(LOSSES)


def test_ns_and_minimax_share_d_but_differ_in_g_gradient_when_d_is_confident():
    fake = torch.tensor([-8.0], requires_grad=True)  # D is sure the fake is fake
    (g_ns,) = torch.autograd.grad(LOSSES["ns"].generator(fake, None), fake)
    (g_mm,) = torch.autograd.grad(LOSSES["minimax"].generator(fake, None), fake)
    assert abs(g_mm.item()) < 1e-3  # the saturating loss vanishes
    assert abs(g_ns.item()) > 0.99


def test_wgan_clips_and_wgan_gp_implies_gradient_penalty():
    assert LOSSES["wgan"].weight_clip == 0.01
    assert LOSSES["wgan-gp"].penalty == "gp"
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.fill_(5.0)
    clip_weights_(lin, 0.01)
    assert lin.weight.abs().max().item() == pytest.approx(0.01)
