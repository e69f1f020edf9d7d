"""Thread pinning shared by the benchmarks: main thread on CPU 0, every other thread on CPU 1.

On these 2-vCPU machines the kernel may pack BLAS worker threads onto the
main thread's vCPU; pinning steadies the figures. Both engines are pinned alike.
"""

from __future__ import annotations

import os


def pin_threads() -> bool:
    """Pin the threads that exist now; call again after new thread pools start."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return False
    main = os.getpid()
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{main}/task")]
    except OSError:
        return False
    for tid in tids:
        try:
            os.sched_setaffinity(tid, {0} if tid == main else {1})
        except OSError:
            pass
    return True
