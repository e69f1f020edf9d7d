"""Host-to-GPU copies of batches through pinned (page-locked) host buffers.

A copy from ordinary pageable memory is staged by the CUDA driver through its own small pinned
buffer, at a fraction of the bus speed, while a copy from pinned memory goes straight over the bus.
For the megabytes of a batch, copying it into a pinned buffer first and sending that is much faster.
A small ring of buffers is reused; each remembers an event recorded after its copy, and a buffer is
reused only once its event has completed, so a copy still in flight is never overwritten.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy  # host-side staging buffers are NumPy views of pinned memory

_MIN_BYTES = 1 << 16  # smaller arrays go directly: the extra host copy would cost more than it saves
_RING_SIZE = 4


class _Slot:
    __slots__ = ("memory", "capacity", "event")

    def __init__(self) -> None:
        self.memory: Any = None
        self.capacity = 0
        self.event: Any = None


class _Ring(threading.local):
    """One ring per thread (the studio trains in a worker thread while the GUI thread may predict)."""

    def __init__(self) -> None:
        self.slots = [_Slot() for _ in range(_RING_SIZE)]
        self.next = 0


_ring = _Ring()


def upload(module: Any, host: Any, dtype: Any = None) -> Any:
    """``module.asarray(host, dtype=dtype)``; a large NumPy array bound for CuPy goes through a pinned buffer."""
    if module.__name__ == "numpy" or not isinstance(host, numpy.ndarray) or host.dtype.kind not in "biuf":
        return module.asarray(host, dtype=dtype)
    target = numpy.dtype(dtype) if dtype is not None else host.dtype
    nbytes = host.size * target.itemsize
    if nbytes < _MIN_BYTES:
        return module.asarray(host, dtype=dtype)
    import cupy  # noqa: PLC0415 - CuPy is imported inside engine.backend only

    slot = _ring.slots[_ring.next]
    _ring.next = (_ring.next + 1) % _RING_SIZE
    if slot.event is not None:
        slot.event.synchronize()  # its previous copy must have left the buffer
    if slot.capacity < nbytes:
        slot.memory, slot.capacity = cupy.cuda.alloc_pinned_memory(nbytes), nbytes
    staged = numpy.ndarray(host.shape, dtype=target, buffer=slot.memory)
    numpy.copyto(staged, host, casting="unsafe")  # asarray's casting
    device = module.asarray(staged)  # counted like any host array entering the device
    slot.event = cupy.cuda.Event()
    slot.event.record()
    return device
