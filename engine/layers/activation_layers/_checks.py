"""Validation shared by the activation layers."""

from __future__ import annotations

from typing import Any

from engine.errors import ConfigError


def non_negative(kind: str, layer_name: str, arg: str, value: Any, allow_none: bool = False) -> float | None:
    """``value`` as a float >= 0 (or None when allowed), else a ConfigError naming the layer."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{kind} layer '{layer_name}': {arg} must be a number >= 0, got {value!r}.")
    return float(value)
