"""CUDA graphs of whole training steps (``train.capture = "graphs"``): warm up, capture, replay."""

from __future__ import annotations

from collections.abc import Callable

import torch

#: eager steps before the capture: they build the optimisers' state and the allocator's
#: pools, and run libraries' lazy set-up (cuBLAS handles), none of which a graph may do
WARMUP = 3


class Graphed:
    """Calls ``step`` (one training step that reads and writes only tensors that outlive
    it, draws on the device's default generator and never waits on the device): the first
    ``WARMUP`` calls run it eagerly on a side stream, the next captures it into one CUDA
    graph, and that call and every later one replay the graph. Each call is a real step.

    A graph bakes in the Python floats it was captured with; the optimisers' learning
    rates, which schedules change between steps, are read inside the graph from one device
    tensor per parameter group, refilled before a replay when the group's float changed.
    """

    def __init__(self, step: Callable[[], None], optimizers: list[torch.optim.Optimizer]):
        self.step = step
        self.groups = [g for opt in optimizers for g in opt.param_groups]
        self.calls = 0
        self.graph: torch.cuda.CUDAGraph | None = None
        self.lrs: list[torch.Tensor] = []
        self.filled: list[float] = []

    def __call__(self) -> None:
        self.calls += 1
        if self.calls <= WARMUP:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                self.step()
            torch.cuda.current_stream().wait_stream(side)
            return
        if self.graph is None:
            self.graph = self._capture()
        for i, (g, t) in enumerate(zip(self.groups, self.lrs, strict=True)):
            if g["lr"] != self.filled[i]:  # a kernel launch, no wait
                t.fill_(g["lr"])
                self.filled[i] = g["lr"]
        self.graph.replay()

    def _capture(self) -> torch.cuda.CUDAGraph:
        floats = [g["lr"] for g in self.groups]
        device = self.groups[0]["params"][0].device
        self.lrs = [torch.full((), lr, device=device) for lr in floats]  # no host copy
        self.filled = list(floats)
        graph = torch.cuda.CUDAGraph()
        for g, t in zip(self.groups, self.lrs, strict=True):
            g["lr"] = t
        try:
            with torch.cuda.graph(graph):
                self.step()  # recorded, not run: the replay that follows is this step
        finally:
            for g, lr in zip(self.groups, floats, strict=True):
                g["lr"] = lr
        return graph
