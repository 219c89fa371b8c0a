"""Domain-free metrics on sample arrays: two-sample tests and k-NN precision/recall."""

from gansci.metrics.prdc import prdc
from gansci.metrics.two_sample import c2st, energy_distance, mmd, sliced_wasserstein

__all__ = ["c2st", "energy_distance", "mmd", "prdc", "sliced_wasserstein"]
