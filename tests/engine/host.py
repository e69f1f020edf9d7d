"""Host-side comparisons that work the same under the NumPy and the CuPy backends.

Engine values (Tensors, device arrays, lists of them) are copied to host NumPy
arrays before NumPy's assertions see them, so a CuPy run compares the same
numbers a NumPy run does instead of failing on implicit device-to-host conversion.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.autograd import Tensor
from engine.backend import to_numpy


def host(value: Any) -> Any:
    """``value`` as host data: device arrays and Tensors become NumPy arrays, containers item by item."""
    if isinstance(value, list):
        return [host(item) for item in value]
    if type(value) is tuple:
        return tuple(host(item) for item in value)
    if isinstance(value, dict):
        return {key: host(item) for key, item in value.items()}
    if isinstance(value, Tensor) or type(value).__module__.startswith("cupy"):
        return to_numpy(value)
    return value  # NumPy arrays, scalars and anything else compare as they are


def assert_allclose(actual: Any, desired: Any, *args: Any, **kwargs: Any) -> None:
    np.testing.assert_allclose(host(actual), host(desired), *args, **kwargs)


def assert_array_equal(actual: Any, desired: Any, *args: Any, **kwargs: Any) -> None:
    np.testing.assert_array_equal(host(actual), host(desired), *args, **kwargs)


def assert_equal(actual: Any, desired: Any, *args: Any, **kwargs: Any) -> None:
    np.testing.assert_equal(host(actual), host(desired), *args, **kwargs)


def assert_array_less(x: Any, y: Any, *args: Any, **kwargs: Any) -> None:
    np.testing.assert_array_less(host(x), host(y), *args, **kwargs)


def assert_array_almost_equal(actual: Any, desired: Any, *args: Any, **kwargs: Any) -> None:
    np.testing.assert_array_almost_equal(host(actual), host(desired), *args, **kwargs)
