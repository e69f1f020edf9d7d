"""Placeholder weights: layers built for their shapes and parameter counts only, taking no memory.

Tools that only ask a layer what it would produce (the studio's live validation, which rebuilds
each edited layer of a design) build inside :func:`placeholder_weights`. There ``add_weight`` skips
the initializer and gives each weight a read-only zero-stride view of a single zero, so checking a
VGG16 design does not allocate (and randomly fill) its half a gigabyte of weights.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from engine.backend import xp

_mode = threading.local()


@contextlib.contextmanager
def placeholder_weights() -> Iterator[None]:
    """Inside, weights created by ``Layer.add_weight`` on this thread are memory-free placeholders."""
    previous = getattr(_mode, "active", False)
    _mode.active = True
    try:
        yield
    finally:
        _mode.active = previous


def active() -> bool:
    """Whether this thread is inside :func:`placeholder_weights`."""
    return getattr(_mode, "active", False)


def placeholder(shape: tuple[int, ...], dtype: Any) -> Any:
    """A read-only array of ``shape`` that reads as zeros and holds one element."""
    return xp.broadcast_to(xp.zeros((), dtype=dtype), shape)
