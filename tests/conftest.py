import os

import pytest
import torch


def pytest_configure(config):
    # Under pytest-xdist each worker is a process: let torch use one thread
    # per worker, else workers x threads oversubscribe the cores.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
