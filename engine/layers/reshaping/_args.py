"""Argument normalization shared by the 2D reshaping layers (padding, cropping, size)."""

from __future__ import annotations

from typing import Any

from engine.errors import ConfigError


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def normalize_pairs(kind: str, layer_name: str, arg: str, value: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """``p`` | ``(h, w)`` | ``((top, bottom), (left, right))`` as the last form, all ints >= 0."""
    error = ConfigError(
        f"{kind} layer '{layer_name}': {arg} must be an int, a tuple of 2 ints or a tuple of 2 tuples of 2 ints "
        f"(all >= 0), got {value!r}."
    )
    if _is_int(value):
        pairs = ((value, value), (value, value))
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        if all(_is_int(v) for v in value):
            pairs = ((value[0], value[0]), (value[1], value[1]))
        elif all(isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(i) for i in v) for v in value):
            pairs = (tuple(value[0]), tuple(value[1]))
        else:
            raise error
    else:
        raise error
    if any(v < 0 for pair in pairs for v in pair):
        raise error
    return pairs  # type: ignore[return-value]


def normalize_size(kind: str, layer_name: str, arg: str, value: Any, length: int = 2) -> tuple[int, ...]:
    """An int or a tuple of ``length`` positive ints, as a tuple."""
    if _is_int(value):
        value = (value,) * length
    if not (isinstance(value, (list, tuple)) and len(value) == length and all(_is_int(v) and v > 0 for v in value)):
        raise ConfigError(
            f"{kind} layer '{layer_name}': {arg} must be a positive int or a tuple of {length} positive ints, "
            f"got {value!r}."
        )
    return tuple(value)


def spatial_axes(data_format: str) -> tuple[int, int]:
    """The (height, width) axes of a rank-4 image batch."""
    return (1, 2) if data_format == "channels_last" else (2, 3)
