"""Shared fixtures for the core tests: small, fast experiment settings."""

import warnings

import pytest
import torch

SMALL = {
    "generator": {"hidden": 32, "depth": 2, "components": 0},
    "discriminator": {"hidden": 32, "depth": 2},
    "train": {
        "steps": 40,
        "batch_size": 64,
        "log_every": 10,
        "checkpoint_every": 20,
        "eval_every": 0,
        "eval_metrics": [],
    },
    "validate": {"n_samples": 300},
    "device": "cpu",
}


@pytest.fixture
def small():
    """Overrides that make any vector recipe train in about a second."""
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in SMALL.items()}


@pytest.fixture(scope="session")
def small_set():
    """The same small settings as command-line --set options."""
    return [
        "--set", "train.steps=30",
        "--set", "train.batch_size=64",
        "--set", "train.log_every=10",
        "--set", "train.eval_every=0",
        "--set", "train.eval_metrics=[]",
        "--set", "generator.hidden=32",
        "--set", "generator.components=0",
        "--set", "discriminator.hidden=32",
        "--set", "validate.n_samples=300",
    ]  # fmt: skip


@pytest.fixture
def host_syncs():
    """``watch(trainer, game, data)``: fit and return the steps at which the host waited
    on the device (CUDA's sync debug mode, as warnings)."""

    def watch(trainer, game, data) -> list[int]:
        synced_at: list[int] = []

        def record(message, *args, **kwargs):
            if "synchroniz" in str(message).lower():
                synced_at.append(trainer.step)

        torch.cuda.set_sync_debug_mode("warn")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.showwarning = record
                trainer.fit(game, data)
        finally:
            torch.cuda.set_sync_debug_mode("default")
        return synced_at

    return watch
