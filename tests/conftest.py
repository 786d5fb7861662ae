import pytest
import torch

# No thread setting here: the estimators choose torch's thread count
# themselves (tests/test_threads.py), also beside another xdist worker.


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
