"""Process topology under torchrun: rank, world size, who writes files (rank 0), and the
random stream all ranks share, so that K ranks at batch B/K see what one process sees at B.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

#: the generator the ranks draw their sharded rows from, during a training step only
_stream: torch.Generator | None = None


def rank() -> int:
    """This process's rank (torchrun's, before the process group is joined)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def is_main() -> bool:
    """Only the main process writes checkpoints, logs and reports."""
    return rank() == 0


def processes() -> int:
    """How many processes torchrun started for this job (1 without torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def launched() -> bool:
    """Whether torchrun started this process as one of several."""
    return processes() > 1


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def init(device: torch.device) -> None:
    """Join torchrun's process group (gloo on CPU, nccl on CUDA) once; no-op in one process."""
    if launched() and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def lost_peer(exc: BaseException) -> bool:
    """Whether ``exc`` is a collective failing because another process has gone."""
    text = str(exc)
    return world_size() > 1 and (
        isinstance(exc, dist.DistError) or any(w in text for w in ("gloo", "NCCL", "Connection"))
    )


def barrier() -> None:
    if world_size() > 1:
        dist.barrier()


def broadcast(obj: Any) -> Any:
    """Rank 0's ``obj`` on every rank (a small picklable value between our own ranks)."""
    if world_size() == 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def share_state(module: torch.nn.Module) -> None:
    """Rank 0's parameters and buffers in ``module`` on every rank."""
    if world_size() > 1:
        with torch.no_grad():
            for t in [*module.parameters(), *module.buffers()]:
                dist.broadcast(t.data, src=0)


def mean(t: Tensor) -> Tensor:
    """``t`` averaged over the ranks (a copy)."""
    if world_size() == 1:
        return t
    t = t.clone()
    dist.all_reduce(t)
    return t / world_size()


def first_step(bad_at: Tensor) -> Tensor:
    """Per statistic, the earliest step any rank saw it non-finite (-1: none)."""
    if world_size() == 1:
        return bad_at
    big = torch.iinfo(torch.long).max
    t = torch.where(bad_at < 0, big, bad_at).long()
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return torch.where(t == big, -1, t).to(bad_at.dtype)


@contextlib.contextmanager
def sharing(stream: torch.Generator) -> Iterator[None]:
    """Within the block, :func:`draw` takes its rows from ``stream`` (the same on every rank)."""
    global _stream
    _stream, before = stream, _stream
    try:
        yield
    finally:
        _stream = before


def draw(fn: Callable[[torch.Generator | None, int], Tensor], n: int) -> Tensor:
    """``fn(generator, m)`` draws m rows; this is this rank's ``n`` of them. In a training
    step of K ranks it is its shard of one draw of n*K rows from the shared stream, so the
    ranks together draw exactly what one process draws at n*K; elsewhere a plain draw."""
    k = world_size()
    if _stream is None or k == 1:
        return fn(_stream, n)
    r = rank()
    return fn(_stream, n * k)[r * n : (r + 1) * n]
