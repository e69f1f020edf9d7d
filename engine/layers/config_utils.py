"""Small helpers shared by the layers' ``get_config`` methods."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def serialize_optional(serialize: Callable[[Any], Any], value: Any) -> Any:
    """``serialize(value)``, or None for an unset option (a regularizer or constraint left out)."""
    return None if value is None else serialize(value)
