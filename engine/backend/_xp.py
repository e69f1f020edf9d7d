"""``xp``: the one handle through which the engine reaches its array module.

Engine code writes ``xp.matmul(a, b)``; the proxy forwards to NumPy or CuPy,
whichever backend is active, so no layer imports numpy for tensor math.
"""

from __future__ import annotations

from typing import Any

from engine.backend import _state


class _ArrayModuleProxy:
    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(_state.array_module(), name)

    def __repr__(self) -> str:
        return f"<array module proxy for {_state.backend()}>"


xp = _ArrayModuleProxy()


def get_array_module(*arrays: Any) -> Any:
    """The module (numpy or cupy) that owns ``arrays``; the active one if none is a GPU array."""
    module = _state.array_module()
    if module.__name__ == "numpy":
        return module
    for array in arrays:
        if type(array).__module__.startswith("cupy"):
            return module
    return module


def to_numpy(array: Any) -> Any:
    """Copy an array to host memory as a NumPy array (no-op for NumPy arrays)."""
    if hasattr(array, "get") and type(array).__module__.startswith("cupy"):
        return array.get()
    import numpy  # noqa: PLC0415 - host conversion is the one legitimate use

    return numpy.asarray(array)


def to_backend(value: Any) -> Any:
    """Host (NumPy) arrays in ``value`` (an array, list, tuple or dict of them) moved to the active backend once.

    On NumPy this returns ``value`` itself; on CuPy each host array is copied to the device a single
    time, so the losses and metrics that read the same targets do not each copy them again.
    """
    module = _state.array_module()
    if module.__name__ == "numpy":
        return value
    if isinstance(value, dict):
        return {key: to_backend(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_backend(item) for item in value)
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and value.dtype.kind in "biuf":
        return module.asarray(value)
    return value
