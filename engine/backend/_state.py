"""Process-wide engine settings: the array module, floatx, epsilon, data format.

These are plain module globals on purpose: a ContextVar or thread-local would
not be inherited by the training thread, and every thread must see the same
backend.
"""

from __future__ import annotations

import logging
import types
from typing import Any

import numpy

from engine.backend import config as _config
from engine.errors import ConfigError

_log = logging.getLogger("engine.backend")

_VALID_FLOATX = ("float16", "float32", "float64")
_VALID_FORMATS = ("channels_last", "channels_first")
_VALID_BACKENDS = ("numpy", "cupy", "auto")

_settings: dict[str, Any] = {}
HOST_ARRAY = numpy.ndarray  # what Tensor() moves to the device under the CuPy backend
_array_module: types.ModuleType = numpy
_backend_name = "numpy"


def _check(field: str, value: Any, valid: tuple) -> Any:
    if value not in valid:
        raise ConfigError(f"Invalid {field} {value!r}: expected one of {', '.join(map(repr, valid))}.")
    return value


def floatx() -> str:
    """The default float type of weights and inputs ('float32' unless changed)."""
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    _settings["floatx"] = _check("floatx", str(value), _VALID_FLOATX)


def epsilon() -> float:
    """The fuzz factor used to avoid division by zero (1e-7 unless changed)."""
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    value = float(value)
    if not value > 0:
        raise ConfigError(f"Invalid epsilon {value!r}: expected a positive number.")
    _settings["epsilon"] = value


def image_data_format() -> str:
    """'channels_last' (NHWC, the default) or 'channels_first' (NCHW)."""
    return _settings["image_data_format"]


def set_image_data_format(value: str) -> None:
    _settings["image_data_format"] = _check("image_data_format", value, _VALID_FORMATS)


def standardize_data_format(value: str | None) -> str:
    if value is None:
        return image_data_format()
    return _check("data_format", value, _VALID_FORMATS)


def backend() -> str:
    """Name of the active array backend: 'numpy' or 'cupy'."""
    return _backend_name


def array_module() -> types.ModuleType:
    return _array_module


def set_backend(name: str) -> None:
    """Select the array module: 'numpy', 'cupy' or 'auto' (CuPy when a GPU is usable)."""
    global _array_module, _backend_name
    name = _check("backend", name, _VALID_BACKENDS)
    if name == "auto":
        name = "cupy" if _cupy_usable() else "numpy"
    if name == "cupy":
        if not _cupy_usable():
            raise ConfigError(
                "Backend 'cupy' was requested but CuPy cannot use a GPU here "
                '(install it with pip install -e ".[gpu]" on a machine with an NVIDIA GPU).'
            )
        import cupy  # noqa: PLC0415 - the backend module is the one place cupy is imported

        _array_module = cupy
    else:
        _array_module = numpy
    _backend_name = name
    _log.info("Strata engine backend: %s", name)


def _cupy_usable() -> bool:
    try:
        import cupy  # noqa: PLC0415

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any failure means "no GPU", never a crash
        return False


def _initialise() -> None:
    cfg = _config.load_config()
    for field, setter in (
        ("floatx", set_floatx),
        ("epsilon", set_epsilon),
        ("image_data_format", set_image_data_format),
    ):
        try:
            setter(cfg[field])
        except ConfigError as error:
            _log.warning("Ignoring %s from %s: %s", field, _config.config_path(), error)
            setter(_config.DEFAULTS[field])
    try:
        set_backend(cfg["backend"])
    except ConfigError as error:
        _log.warning("%s Falling back to numpy.", error)
        set_backend("numpy")


_initialise()
