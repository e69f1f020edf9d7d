"""Shared helpers of the normalization layers: axis handling and optional config entries."""

from __future__ import annotations

from typing import Any

from engine.errors import ConfigError


def standardize_axes(layer_name: str, kind: str, axis: Any) -> int | list[int]:
    """Validate ``axis`` (an int, or a list of ints as Keras 2 configs store it)."""
    if isinstance(axis, (list, tuple)):
        if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise ConfigError(f"{kind} layer '{layer_name}': axis must be an int or a list of ints, got {axis!r}.")
        return list(axis)
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise ConfigError(f"{kind} layer '{layer_name}': axis must be an int or a list of ints, got {axis!r}.")
    return axis


def resolve_axes(layer_name: str, kind: str, axis: int | list[int], ndim: int) -> tuple[int, ...]:
    """Axes as sorted non-negative ints for a rank-``ndim`` input, with a clear error when out of range."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    resolved = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ConfigError(f"{kind} layer '{layer_name}': axis {a} is out of range for an input of rank {ndim}.")
        resolved.append(a % ndim)
    if len(set(resolved)) != len(resolved):
        raise ConfigError(f"{kind} layer '{layer_name}': duplicate axes in {axis!r}.")
    return tuple(sorted(resolved))


def maybe_serialize(serialize: Any, value: Any) -> Any:
    return None if value is None else serialize(value)
