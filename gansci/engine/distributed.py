"""Process topology under torchrun: rank, world size, and who writes files (rank 0)."""

from __future__ import annotations

import torch.distributed as dist


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def is_main() -> bool:
    """Only the main process writes checkpoints, logs and reports."""
    return rank() == 0


def barrier() -> None:
    if world_size() > 1:
        dist.barrier()
