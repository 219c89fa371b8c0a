"""Gradient penalties on a linear critic, where the gradient is known exactly."""

import pytest
import torch

from gansci.engine.penalties import PENALTIES, grad_norm_sq


class Linear(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w))

    def forward(self, x):
        return x @ self.w


W = [3.0, 4.0]  # |w| = 5
REAL = torch.randn(8, 2)
FAKE = torch.randn(8, 2)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("gp", (5 - 1) ** 2),
        ("gp1", (5 - 1) ** 2),
        ("r1", 0.5 * 25),
        ("r2", 0.5 * 25),
        ("dragan", 16),
    ],
)
def test_penalty_on_linear_critic(name, expected):
    value = PENALTIES[name](Linear(W), REAL, FAKE)
    assert value.item() == pytest.approx(expected, rel=1e-4)


def test_one_sided_penalty_ignores_small_gradients():
    assert PENALTIES["gp1"](Linear([0.3, 0.4]), REAL, FAKE).item() == pytest.approx(0.0, abs=1e-8)
    assert PENALTIES["gp"](Linear([0.3, 0.4]), REAL, FAKE).item() == pytest.approx(0.25, rel=1e-4)


def test_penalty_is_differentiable_wrt_critic():
    D = Linear(W)
    PENALTIES["r1"](D, REAL, FAKE).backward()
    assert torch.allclose(D.w.grad, torch.tensor(W))  # d/dw 0.5|w|^2 = w


def test_structured_batch_norms_combine_leaves():
    class TwoLeaf(torch.nn.Module):
        def forward(self, batch):
            a, b = batch
            return 3 * a.sum(1) + 4 * b.sum(1)

    batch = (torch.randn(5, 1), torch.randn(5, 1))
    assert torch.allclose(grad_norm_sq(TwoLeaf(), batch), torch.full((5,), 25.0))
