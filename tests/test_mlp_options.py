"""The MLP options for narrow-mode data: standardize, mixture prior, Fourier features."""

from __future__ import annotations

import pytest
import torch

from gansci.builtin.mixtures import grid25
from gansci.errors import ConfigError
from gansci.nets.mlp import MLPDiscriminator, MLPGenerator


@pytest.fixture(scope="module")
def data():
    return grid25(n=3000)


def test_standardized_generator_starts_with_the_data_mean_and_spread(data):
    torch.manual_seed(0)
    G = MLPGenerator(data, latent_dim=8, hidden=64, standardize=True)
    with torch.no_grad():
        x = G(torch.randn(20_000, 8))
    real = data.train
    assert torch.allclose(x.mean(0), real.mean(0), atol=0.15)
    assert torch.allclose(x.std(0), real.std(0), rtol=0.1)
    plain = MLPGenerator(data, latent_dim=8, hidden=64)
    with torch.no_grad():
        assert plain(torch.randn(20_000, 8)).std(0).max() < 0.5 * real.std(0).min()


def test_mixture_prior_generator_maps_each_latent_deterministically(data):
    G = MLPGenerator(data, latent_dim=2, components=5)
    assert G.latent_dim == 3
    z = torch.randn(64, 3)
    assert torch.equal(G(z), G(z))
    h = G._prior(z)
    c = (torch.special.ndtr(z[:, -1]) * 5).long()
    assert torch.allclose(h, G.prior_mean[c] + G.prior_log_std[c].exp() * z[:, :2])
    with pytest.raises(ConfigError, match="components"):
        MLPGenerator(data, components=-1)


def test_a_fixed_prior_std_is_saved_but_not_trained(data):
    G = MLPGenerator(data, latent_dim=2, components=5, learn_prior_std=False)
    names = {n for n, _ in G.named_parameters()}
    assert "prior_mean" in names and "prior_log_std" not in names
    assert torch.equal(G.state_dict()["prior_log_std"], torch.full((5, 2), -1.0))
    assert "prior_log_std" in dict(MLPGenerator(data, components=5).named_parameters())


def test_fourier_features_are_saved_and_reproducible(data):
    torch.manual_seed(1)
    D1 = MLPDiscriminator(data, hidden=16, standardize=True, fourier_features=32)
    torch.manual_seed(1)
    D2 = MLPDiscriminator(data, hidden=16, standardize=True, fourier_features=32)
    assert D1.state_dict()["fourier"].shape == (2, 32)
    x = torch.randn(5, 2)
    assert torch.equal(D1(x), D2(x))
    assert D1.features(x).shape == (5, 16)
    assert "fourier" not in MLPDiscriminator(data).state_dict()
