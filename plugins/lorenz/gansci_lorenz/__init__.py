"""gansci plugin: chaotic attractors, learned by GANs and checked by correlation dimension."""

__version__ = "0.1.0"
