"""The engine backend: the array module and the numeric settings every op reads.

``xp`` is the array module (NumPy, or CuPy with the GPU backend); engine code
does tensor math only through it. The Keras-style accessors ``floatx()``,
``epsilon()`` and ``image_data_format()`` and their setters live here too.
"""

from engine.backend._allocator import keep_heap_memory as _keep_heap_memory
from engine.backend._scatter import scatter_add
from engine.backend._state import (
    array_module,
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_backend,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
)
from engine.backend._xp import get_array_module, to_backend, to_numpy, xp
from engine.backend.config import datasets_dir, strata_home
from engine.backend.devices import current_device, device, gpu_count, list_devices
from engine.backend.function import function, learning_phase

_keep_heap_memory()

__all__ = [
    "array_module",
    "current_device",
    "device",
    "gpu_count",
    "list_devices",
    "scatter_add",
    "backend",
    "datasets_dir",
    "epsilon",
    "floatx",
    "function",
    "learning_phase",
    "get_array_module",
    "image_data_format",
    "set_backend",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_data_format",
    "strata_home",
    "to_backend",
    "to_numpy",
    "xp",
    "clear_session",
]


def clear_session() -> None:
    """Reset automatic layer names (dense, dense_1, ...) as Keras's clear_session does."""
    from engine.layers.naming import reset_names  # noqa: PLC0415

    reset_names()
