"""Errors a user can cause: each says what was wrong, where, and what to do."""


class GansciError(Exception):
    """Base class for every error caused by user input; the CLI prints it without a traceback."""


class ConfigError(GansciError):
    """A config key, value or override is wrong."""


class RegistryError(GansciError):
    """A component name is unknown, or two plugins register the same name."""


class DataError(GansciError):
    """A data file is missing, malformed or unusable."""


class CheckpointError(GansciError):
    """A checkpoint or run folder is missing or corrupt."""


class TrainingDiverged(GansciError):
    """A loss became NaN or infinite; the last good checkpoint is left intact."""
