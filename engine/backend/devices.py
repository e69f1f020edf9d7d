"""Devices: which CPU/GPUs exist, which one ops run on, and moving arrays between them.

Device names follow TensorFlow's: ``"/cpu:0"``, ``"/gpu:1"`` (also ``"gpu:1"``,
``"/device:GPU:1"``). ``with device("/gpu:1"):`` makes GPU 1 CuPy's current device, so
layers built and ops run inside allocate there; ``with device("/cpu:0"):`` under the CuPy
backend runs the block on NumPy. A layer built inside a device scope remembers it and
later calls run there, with their inputs moved in and gradients moved back (see
``place``). This is the one module, with ``_state``, that imports CuPy.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.backend import _state
from engine.errors import ConfigError


@dataclass(frozen=True)
class DeviceInfo:
    """One device as ``list_devices`` reports it (memory in bytes; None where unknown)."""

    name: str
    device_type: str
    index: int
    description: str
    memory_total: int | None = None
    memory_free: int | None = None


@dataclass(frozen=True)
class Device:
    """A parsed device name: ``kind`` is 'cpu' or 'gpu'."""

    kind: str
    index: int

    @property
    def name(self) -> str:
        return f"/{self.kind}:{self.index}"


_PATTERN = re.compile(r"^/?(?:device:)?(cpu|gpu|xla_gpu):(\d+)$", re.IGNORECASE)


def parse(name: Any) -> Device:
    """``"/gpu:1"`` (or a Device, or an int GPU id) as a Device."""
    if isinstance(name, Device):
        return name
    if isinstance(name, int) and not isinstance(name, bool):
        return Device("gpu", name)
    match = _PATTERN.match(str(name).strip())
    if not match:
        raise ConfigError(f"Unknown device name {name!r}: expected '/cpu:0' or '/gpu:N'.")
    kind = "gpu" if match.group(1).lower() != "cpu" else "cpu"
    return Device(kind, int(match.group(2)))


# -- discovery ------------------------------------------------------------------
def _cupy() -> Any:
    import cupy  # noqa: PLC0415 - CuPy is imported inside engine.backend only

    return cupy


def gpu_status() -> tuple[int, str]:
    """(number of usable GPUs, why none when 0) — the studio shows the reason verbatim."""
    try:
        cupy = _cupy()
    except ImportError:
        return 0, 'CuPy is not installed: install the GPU extra with pip install -e ".[gpu]".'
    except Exception as error:  # noqa: BLE001 - a broken install is reported, never fatal
        return 0, f"CuPy could not be imported ({type(error).__name__}: {error})."
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as error:  # noqa: BLE001 - e.g. cudaErrorInsufficientDriver on a machine without a GPU
        return 0, f"No usable NVIDIA GPU: the CUDA driver reports {type(error).__name__}: {error}."
    if count == 0:
        return 0, "No CUDA device was found (the driver is present but reports no GPU)."
    return count, ""


def gpu_count() -> int:
    return gpu_status()[0]


def _gpu_info(index: int) -> DeviceInfo:
    cupy = _cupy()
    props = cupy.cuda.runtime.getDeviceProperties(index)
    name = props.get("name", b"GPU")
    name = name.decode() if isinstance(name, bytes) else str(name)
    with cupy.cuda.Device(index):
        free, total = cupy.cuda.runtime.memGetInfo()
    return DeviceInfo(f"/gpu:{index}", "GPU", index, name, int(total), int(free))


def _cpu_info() -> DeviceInfo:
    import os  # noqa: PLC0415
    import platform  # noqa: PLC0415

    total = free = None
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        total = int(pages * page_size)
        free = int(os.sysconf("SC_AVPHYS_PAGES") * page_size)
    except (ValueError, OSError, AttributeError):
        pass
    processor = platform.processor() or platform.machine() or "CPU"
    missing = cpu_kernels_missing_reason()
    kernels = f"NumPy only ({missing})" if missing else "fused CPU kernels"
    return DeviceInfo("/cpu:0", "CPU", 0, f"{processor}, {kernels}", total, free)


def cpu_kernels_missing_reason() -> str:
    """'' when the compiled CPU kernels are in use; else why not and what to do (CPU training is slower)."""
    import os  # noqa: PLC0415

    from engine.backend import fused  # noqa: PLC0415

    if fused.cpu_kernels_available():
        return ""
    if os.environ.get("STRATA_CPU_KERNELS", "1").strip() == "0":
        return "STRATA_CPU_KERNELS=0"
    return "the fused CPU kernels were not built: reinstall with a C compiler"


def list_devices() -> list[DeviceInfo]:
    """The CPU and every GPU CuPy can use (name, total and free memory)."""
    devices = [_cpu_info()]
    for index in range(gpu_count()):
        devices.append(_gpu_info(index))
    return devices


def memory_in_use(device_id: Any) -> int | None:
    """Bytes Strata's arrays hold on a GPU now (CuPy's memory pool); None for the CPU or where no such GPU exists.

    ``device_id`` is a GPU index or a device name ("/gpu:1"). The dashboard shows it during training.
    """
    try:
        target = parse(device_id)
    except ConfigError:
        return None
    if target.kind != "gpu" or target.index >= gpu_count():
        return None
    cupy = _cupy()
    with cupy.cuda.Device(target.index):
        return int(cupy.get_default_memory_pool().used_bytes())


# -- the current device ---------------------------------------------------------
class _Scope(threading.local):
    stack: list[Device]

    def __init__(self) -> None:
        self.stack = []


_scope = _Scope()


def current_device() -> Device:
    """The device ops run on now: the innermost ``device`` scope, else the backend's default."""
    if _scope.stack:
        return _scope.stack[-1]
    if _state.backend() == "cupy":
        return Device("gpu", int(_cupy().cuda.runtime.getDevice()))
    return Device("cpu", 0)


def scoped_device() -> Device | None:
    """The innermost explicit ``device`` scope, or None outside any."""
    return _scope.stack[-1] if _scope.stack else None


@contextlib.contextmanager
def device(name: Any) -> Iterator[Device]:
    """Run the block on ``name`` ("/gpu:1", "/cpu:0"): allocations and ops happen there."""
    target = parse(name)
    if target.kind == "gpu":
        count, reason = gpu_status()
        if target.index >= count:
            found = ", ".join(d.name for d in list_devices())
            raise ConfigError(f"Device '{target.name}' does not exist: devices found are {found}. {reason}".strip())
        if _state.backend() != "cupy":
            raise ConfigError(
                f"Device '{target.name}' needs the CuPy backend: call engine.backend.set_backend('cupy') "
                "(or set STRATA_BACKEND=cupy) first."
            )
        with _cupy().cuda.Device(target.index):
            _scope.stack.append(target)
            try:
                yield target
            finally:
                _scope.stack.pop()
        return
    if target.index != 0:
        raise ConfigError(f"Device '{target.name}' does not exist: there is one CPU, '/cpu:0'.")
    previous = _state._array_module, _state._backend_name
    if _state.backend() == "cupy":
        import numpy  # noqa: PLC0415

        _state._array_module, _state._backend_name = numpy, "numpy"
    _scope.stack.append(target)
    try:
        yield target
    finally:
        _scope.stack.pop()
        _state._array_module, _state._backend_name = previous


# -- moving arrays ----------------------------------------------------------------
def array_device(array: Any) -> Device:
    """Where ``array`` lives."""
    if type(array).__module__.startswith("cupy"):
        return Device("gpu", int(array.device.id))
    return Device("cpu", 0)


def copy_to(array: Any, target: Any) -> Any:
    """``array`` on ``target`` (a copy when it lives elsewhere; itself otherwise). Peer copy between GPUs."""
    target = parse(target)
    source = array_device(array)
    if source == target:
        return array
    if target.kind == "cpu":
        return array.get()
    cupy = _cupy()
    with cupy.cuda.Device(target.index):
        if source.kind == "cpu":
            return cupy.asarray(array)
        src = cupy.ascontiguousarray(array)
        out = cupy.empty(src.shape, dtype=src.dtype)
        out.data.copy_from_device(src.data, src.nbytes)  # cudaMemcpy with unified addressing: a peer copy
        return out


def place(value: Any, target: Any) -> Any:
    """A Tensor (or array) moved onto ``target``, differentiably: the gradient is moved back."""
    from engine.autograd import Tensor  # noqa: PLC0415 - backend must not import autograd at import time
    from engine.autograd.tape import record  # noqa: PLC0415

    if not isinstance(value, Tensor):
        return copy_to(value, target) if hasattr(value, "shape") else value
    source = array_device(value.data)
    if source == parse(target):
        return value
    return record(copy_to(value.data, target), (value,), lambda g: (copy_to(g, source),))


def synchronize() -> None:
    """Wait for the current GPU's queued work (timers need it); a no-op on NumPy."""
    if _state.backend() == "cupy":
        _cupy().cuda.Device().synchronize()


# -- layer placement ------------------------------------------------------------------
_placement = {"used": False}
NOT_ROUTED = object()


def remember_scope(layer: Any) -> None:
    """Called when a layer is applied symbolically: inside a ``device`` scope, the layer is placed there."""
    scope = scoped_device()
    if scope is not None and getattr(layer, "_device_placement", None) is None:
        layer._device_placement = scope
        _placement["used"] = True


def placement_used() -> bool:
    """Whether any layer was placed on a device (until then, calls skip the routing below)."""
    return _placement["used"]


def _move_structure(value: Any, target: Device) -> Any:
    from engine.autograd import Tensor  # noqa: PLC0415

    if isinstance(value, (list, tuple)):
        return type(value)(_move_structure(v, target) for v in value)
    if isinstance(value, dict):
        return {k: _move_structure(v, target) for k, v in value.items()}
    if isinstance(value, Tensor) or type(value).__module__.startswith("cupy"):
        return place(value, target)
    return value


def route(layer: Any, inputs: Any, call: Any) -> Any:
    """Run ``call(inputs)`` on the layer's device (inputs moved in), or on the current one (inputs moved here).

    A placed layer runs inside its scope; an unplaced one gets its inputs moved to the current device, and a
    model's outputs come back to the current device, so a model whose branches live on several devices
    (the Keras FAQ's device-parallel example) trains like any other.
    """
    target = getattr(layer, "_device_placement", None)
    if target is not None and target != scoped_device():
        with device(target):
            return call(_move_structure(inputs, target))
    here = current_device()
    outputs = call(_move_structure(inputs, here))
    if getattr(layer, "_graph", None) is not None:
        outputs = _move_structure(outputs, here)
    return outputs


@contextlib.contextmanager
def scope_of(array: Any) -> Iterator[None]:
    """Run the block where ``array`` lives: its GPU, or NumPy for a host array under the CuPy backend.

    The tape runs each op's backward inside this once layers have been placed, so a
    backward closure's ``xp`` calls happen on the device that ran the forward.
    """
    if type(array).__module__.startswith("cupy"):
        with _cupy().cuda.Device(int(array.device.id)):
            yield
        return
    if _state._backend_name != "cupy":
        yield
        return
    import numpy  # noqa: PLC0415

    previous = _state._array_module, _state._backend_name
    _state._array_module, _state._backend_name = numpy, "numpy"
    try:
        yield
    finally:
        _state._array_module, _state._backend_name = previous
