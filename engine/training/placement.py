"""Where a training run happens: the settings' devices checked, the model moved there, replicas for several GPUs.

``TrainingSettings.devices`` is ``[]`` (the engine's default device: the CPU under NumPy, the current
GPU under CuPy), one device (``["/gpu:1"]`` or ``["/cpu:0"]``) or several GPUs (data parallelism).
:func:`placed` moves the model's weights and optimizer slots onto the chosen device for the run and
back afterwards, so the caller's model stays where the rest of the app expects it. For several GPUs it
fits a ``multi_gpu_model`` replica set that shares the plain model's weights: the trained weights end
up in the plain model, which is the one that gets saved. Qt-free.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.backend import _state
from engine.backend import devices as _devices
from engine.errors import ConfigError

MEMORY_EVERY_S = 2.0  # how often batch events carry the GPUs' memory in use


def _found() -> str:
    """'devices found: /cpu:0 (x86_64), /gpu:0 (NVIDIA ...)' plus why there is no GPU, for error messages."""
    listing = ", ".join(f"{d.name} ({d.description})" for d in _devices.list_devices())
    count, reason = _devices.gpu_status()
    return f"devices found: {listing}." + (f" {reason}" if count == 0 and reason else "")


def check_devices(names: list[str] | None, virtual: bool = False) -> list[_devices.Device]:
    """The settings' device names parsed and checked: a ConfigError names the bad one and the devices found.

    ``virtual=True`` skips the existence checks: several names then become replicas on the current device
    (``multi_gpu_model(virtual=True)``), which is how the data-parallel path is tested without GPUs.
    """
    parsed: list[_devices.Device] = []
    for name in names or []:
        try:
            parsed.append(_devices.parse(name))
        except ConfigError:
            raise ConfigError(f"Unknown training device {name!r}: expected '/cpu:0' or '/gpu:N'; {_found()}") from None
    if len({d.name for d in parsed}) != len(parsed):
        raise ConfigError(f"Training devices {names} name the same device twice.")
    if len(parsed) > 1 and any(d.kind == "cpu" for d in parsed):
        raise ConfigError(f"Training devices {names}: data parallelism runs on GPUs only; pick the CPU alone.")
    if virtual:
        return parsed
    count = _devices.gpu_count()
    for device in parsed:
        if device.kind == "cpu" and device.index != 0:
            raise ConfigError(f"Training device '{device.name}' does not exist (there is one CPU); {_found()}")
        if device.kind == "gpu" and device.index >= count:
            raise ConfigError(f"Training device '{device.name}' does not exist; {_found()}")
    gpus = [d.name for d in parsed if d.kind == "gpu"]
    if gpus and _state.backend() != "cupy":
        raise ConfigError(
            f'Training on {", ".join(gpus)} needs the CuPy backend, but the engine runs on NumPy: set "backend": '
            '"auto" (or "cupy") in the Strata config file or STRATA_BACKEND=cupy, then restart.'
        )
    return parsed


def describe(names: list[str] | None, virtual: bool = False) -> str:
    """A short human description of a device choice, e.g. 'GPU 0 (NVIDIA H100)' or '2 GPUs (data parallel)'."""
    parsed = [_devices.parse(n) for n in names or []]
    if virtual and len(parsed) > 1:
        return f"{len(parsed)} virtual devices on the {_here_label()} (data parallel)"
    if not parsed or virtual:
        return _here_label()
    if len(parsed) == 1:
        return _label(parsed[0])
    return f"{len(parsed)} GPUs (data parallel): " + ", ".join(_label(d) for d in parsed)


def _here_label() -> str:
    here = _devices.current_device()
    return "CPU" if here.kind == "cpu" else _label(here)


def _label(device: _devices.Device) -> str:
    if device.kind == "cpu":
        return "CPU"
    info = next((d for d in _safe_list() if d.name == device.name), None)
    return f"GPU {device.index} ({info.description})" if info is not None else f"GPU {device.index}"


def _safe_list() -> list[_devices.DeviceInfo]:
    try:
        return _devices.list_devices()
    except Exception:  # noqa: BLE001 - only used for a label
        return []


@dataclass
class Placement:
    """What :func:`placed` yields: the model to fit, the description, and the GPUs whose memory to report."""

    model: Any
    description: str
    names: list[str]
    gpus: list[str] = field(default_factory=list)
    _memory_at: float = 0.0

    def memory(self, every_s: float | None = None) -> dict[str, int] | None:
        """Bytes in use per GPU; with ``every_s``, None unless that long has passed since the last reading."""
        now = time.perf_counter()
        if every_s is not None and now - self._memory_at < every_s:
            return None
        self._memory_at = now
        report = {}
        for name in self.gpus:
            used = _devices.memory_in_use(name)
            if used is not None:
                report[name] = used
        return report


def _gpus_in_use(parsed: list[_devices.Device], virtual: bool) -> list[str]:
    if virtual:
        return []
    if parsed:
        return [d.name for d in parsed if d.kind == "gpu"]
    here = _devices.current_device()
    return [here.name] if here.kind == "gpu" else []


@contextlib.contextmanager
def placed(model: Any, names: list[str] | None, virtual: bool = False) -> Iterator[Placement]:
    """Run the block with the model on the chosen device(s); the yielded ``Placement.model`` is the one to fit."""
    parsed = check_devices(names, virtual)
    description = describe(names, virtual)
    gpus = _gpus_in_use(parsed, virtual)
    if not parsed or (virtual and len(parsed) == 1):
        yield Placement(model, description, [d.name for d in parsed], gpus)
        return
    first = parsed[0]
    home = None if virtual else move_model(model, first)
    try:
        with contextlib.nullcontext() if virtual else _devices.device(first):
            fitted = model if len(parsed) == 1 else _replicated(model, parsed, virtual)
            yield Placement(fitted, description, [d.name for d in parsed], gpus)
    finally:
        if home is not None:
            move_model(model, home)


def _replicated(model: Any, parsed: list[_devices.Device], virtual: bool) -> Any:
    """A ``multi_gpu_model`` of ``model`` compiled like it, with the same optimizer (its state and learning rate)."""
    from engine.parallel import multi_gpu_model  # noqa: PLC0415 - parallel imports the models

    parallel = multi_gpu_model(model, gpus=[d.index for d in parsed], virtual=virtual)
    if getattr(model, "compiled", False):
        parallel.compile(model.optimizer, **model._compile_args)
        if model._compiled_trainable is not None:  # freezing since the last compile counts only after a recompile
            parallel._compiled_trainable = list(model._compiled_trainable)
    return parallel


def move_model(model: Any, target: Any) -> _devices.Device | None:
    """Move the model's weights and its optimizer's slots onto ``target``; returns where they were (None: no move)."""
    target = _devices.parse(target)
    weights = list(model.weights)
    if not weights:
        return None
    home = _devices.array_device(weights[0].data)
    if home == target and all(_devices.array_device(w.data) == target for w in weights):
        return None
    for weight in weights:
        weight.data = _devices.copy_to(weight.data, target)
    optimizer = getattr(model, "optimizer", None)
    for slots in getattr(optimizer, "_slots", {}).values():
        for key, value in slots.items():
            if hasattr(value, "shape"):
                slots[key] = _devices.copy_to(value, target)
    scratch = getattr(optimizer, "_scratch_buffers", None)
    if isinstance(scratch, dict):
        scratch.clear()
    return home
