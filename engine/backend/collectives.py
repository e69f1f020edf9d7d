"""Gradient all-reduce and weight broadcast across GPUs: NCCL when CuPy has it, else peer copies.

Used by ``engine.parallel``; replicas on the host ("virtual devices") reduce with a plain sum,
the same arithmetic in the same order, so CPU tests check the data-parallel code path.
"""

from __future__ import annotations

import logging
from typing import Any

from engine.backend.devices import Device, copy_to, parse

_log = logging.getLogger("engine.backend")


def nccl_available() -> bool:
    """Whether ``cupy.cuda.nccl`` is importable and reports itself available."""
    try:
        from cupy.cuda import nccl  # noqa: PLC0415
    except Exception:  # noqa: BLE001 - no CuPy or no NCCL: peer copies are used
        return False
    return bool(getattr(nccl, "available", True))


class Collective:
    """Reduce-to-first and broadcast-from-first over ``devices`` (GPU ids or host replicas)."""

    def __init__(self, devices: list[Device]) -> None:
        self.devices = [parse(d) for d in devices]
        self.gpu = all(d.kind == "gpu" for d in self.devices)
        self._comms: list[Any] | None = None
        self.method = "host sum"
        if self.gpu and len({d.index for d in self.devices}) == len(self.devices):
            self.method = "peer copies"
            if nccl_available():
                try:
                    from cupy.cuda import nccl  # noqa: PLC0415

                    self._comms = nccl.NcclCommunicator.initAll([d.index for d in self.devices])
                    self.method = "NCCL"
                except Exception as error:  # noqa: BLE001 - fall back, but say so
                    _log.warning("NCCL could not be initialised (%s); using peer copies.", error)
        elif self.gpu:
            self.method = "same-device sum"
        _log.info("Data parallelism over %s: gradients all-reduced by %s.",
                  ", ".join(d.name for d in self.devices), self.method)  # fmt: skip

    def reduce(self, arrays: list[Any]) -> Any:
        """The sum of one array per replica, on the first replica's device."""
        if self._comms is not None:
            return self._nccl_reduce(arrays)
        total = arrays[0]
        first = self.devices[0]
        for array in arrays[1:]:
            total = total + (copy_to(array, first) if self.method == "peer copies" else array)
        return total

    def broadcast(self, array: Any) -> list[Any]:
        """``array`` (on the first device) as one copy per replica device."""
        if self.method not in {"NCCL", "peer copies"}:
            return [array] * len(self.devices)
        if self._comms is not None:
            return self._nccl_broadcast(array)
        return [array] + [copy_to(array, d) for d in self.devices[1:]]

    # -- NCCL -------------------------------------------------------------------
    @staticmethod
    def _nccl_dtype(dtype: Any) -> int:
        from cupy.cuda import nccl  # noqa: PLC0415

        return {"float16": nccl.NCCL_FLOAT16, "float32": nccl.NCCL_FLOAT32, "float64": nccl.NCCL_FLOAT64}[str(dtype)]

    def _nccl_reduce(self, arrays: list[Any]) -> Any:
        import cupy  # noqa: PLC0415
        from cupy.cuda import nccl  # noqa: PLC0415

        arrays = [cupy.ascontiguousarray(a) for a in arrays]
        with cupy.cuda.Device(self.devices[0].index):
            out = cupy.empty_like(arrays[0])
        kind = self._nccl_dtype(arrays[0].dtype)
        nccl.groupStart()
        for rank, (comm, array, dev) in enumerate(zip(self._comms, arrays, self.devices)):
            with cupy.cuda.Device(dev.index):
                recv = out.data.ptr if rank == 0 else array.data.ptr
                comm.reduce(array.data.ptr, recv, array.size, kind, nccl.NCCL_SUM, 0,
                            cupy.cuda.get_current_stream().ptr)  # fmt: skip
        nccl.groupEnd()
        return out

    def _nccl_broadcast(self, array: Any) -> list[Any]:
        import cupy  # noqa: PLC0415
        from cupy.cuda import nccl  # noqa: PLC0415

        array = cupy.ascontiguousarray(array)
        outs = [array]
        for dev in self.devices[1:]:
            with cupy.cuda.Device(dev.index):
                outs.append(cupy.empty_like(array))
        kind = self._nccl_dtype(array.dtype)
        nccl.groupStart()
        for comm, buffer, dev in zip(self._comms, outs, self.devices):
            with cupy.cuda.Device(dev.index):
                comm.bcast(buffer.data.ptr, buffer.size, kind, 0, cupy.cuda.get_current_stream().ptr)
        nccl.groupEnd()
        return outs
