"""gansci-protein: protein sequences generated against Position Weight Matrix discriminators."""

__version__ = "0.1.0"
