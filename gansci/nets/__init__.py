"""Small network building blocks several plugins share."""

from gansci.nets.mlp import MLP, MLPDiscriminator, MLPGenerator, spectral_norm_all

__all__ = ["MLP", "MLPDiscriminator", "MLPGenerator", "spectral_norm_all"]
