"""Array calls that differ between NumPy and CuPy, routed to the right implementation."""

from __future__ import annotations

from typing import Any

from engine.backend import _state


def scatter_add(target: Any, index: Any, values: Any) -> None:
    """``target[index] += values`` with repeated indices accumulated (``np.add.at``; ``cupyx.scatter_add``)."""
    if _state.backend() == "cupy" and type(target).__module__.startswith("cupy"):
        module = _state.array_module()
        if hasattr(module.add, "at"):  # CuPy >= 13
            module.add.at(target, index, values)
            return
        import cupyx  # noqa: PLC0415 - CuPy is imported inside engine.backend only

        cupyx.scatter_add(target, index, values)
        return
    _state.array_module().add.at(target, index, values)
