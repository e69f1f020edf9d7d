"""Keras-style automatic layer names: dense, dense_1, dense_2, ..."""

from __future__ import annotations

import re
import threading
from collections import defaultdict

_lock = threading.Lock()
_counters: dict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    # Keras's rule exactly (a capital followed by a digit starts no word): ConvLSTM2D -> conv_lstm2d.
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


def unique_name(base: str) -> str:
    """``base`` the first time, then ``base_1``, ``base_2``, ... (reset by ``clear_session``)."""
    with _lock:
        count = _counters[base]
        _counters[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reserve_name(name: str) -> None:
    """Note an explicitly given name so that automatic names do not collide with it."""
    match = re.fullmatch(r"(.*?)(?:_(\d+))?", name)
    if match is None:
        return
    base, index = match.group(1), match.group(2)
    with _lock:
        next_free = int(index) + 1 if index is not None else 1
        if _counters[base] < next_free and _counters[base] > 0:
            _counters[base] = next_free


def reset_names() -> None:
    with _lock:
        _counters.clear()
