"""Project-wide pytest setup: tests marked `gpu` skip where CUDA is absent."""

import pytest
import torch

# The tests train tiny models, for which one thread is fastest; several threads per
# process only contend for the cores (CI has two).
torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
