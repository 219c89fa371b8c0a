"""Checkpoints: written atomically (temp file, fsync, rename), loaded with weights_only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from gansci.errors import CheckpointError
from gansci.files import atomic_path

_NAME = re.compile(r"^step-(\d+)\.pt$")
BEST = "best.pt"  # the weights at the best value of train.select_metric


def atomic_save(obj: Any, path: Path) -> None:
    """Write ``obj`` so that ``path`` is either the old file or the complete new one."""
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """(step, path) of every checkpoint in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


def save(state: dict[str, Any], folder: Path, step: int, keep: int) -> Path:
    """Save ``state`` as ``step-NNNNNNN.pt`` and delete all but the newest ``keep``."""
    path = folder / f"step-{step:07d}.pt"
    atomic_save(state, path)
    for _, old in list_checkpoints(folder)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return path


def load(path: Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load a checkpoint without unpickling arbitrary objects; corrupt files are errors."""
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint") from None
    except Exception as exc:
        raise CheckpointError(
            f"{path}: corrupt or unreadable checkpoint ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); delete it to resume "
            "from the one before"
        ) from None
    if not isinstance(state, dict) or "step" not in state or "game" not in state:
        raise CheckpointError(f"{path}: not a gansci checkpoint (no step or game state)")
    return state


def latest(folder: Path) -> Path | None:
    found = list_checkpoints(folder)
    return found[-1][1] if found else None
