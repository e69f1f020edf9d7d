"""GPU tests: marked ``gpu``, skipped cleanly when CuPy or an NVIDIA GPU is missing; run on the CuPy backend."""

from __future__ import annotations

import pytest

from engine.backend import _state
from engine.backend.devices import gpu_status

_COUNT, _REASON = gpu_status()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/engine/gpu" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.gpu)
            if _COUNT == 0:
                item.add_marker(pytest.mark.skip(reason=f"no GPU: {_REASON}"))


@pytest.fixture
def cupy_backend():
    """Switch the engine to CuPy for one test, restoring the previous backend after."""
    previous = _state.backend()
    _state.set_backend("cupy")
    import cupy

    yield cupy
    _state.set_backend(previous)
