"""gansci: a GAN engine for science, with domain plugins and domain-metric validation."""

from gansci.config import ExperimentConfig
from gansci.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    GansciError,
    RegistryError,
    TrainingDiverged,
)
from gansci.experiment import Experiment
from gansci.hookspecs import hookimpl
from gansci.registry import get_registry
from gansci.validation import Report, check

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataError",
    "Experiment",
    "ExperimentConfig",
    "GansciError",
    "RegistryError",
    "Report",
    "TrainingDiverged",
    "check",
    "get_registry",
    "hookimpl",
]
