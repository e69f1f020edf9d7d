"""Gradient clipping as Keras 3 does it: per-variable norm, global norm, or element value."""

from __future__ import annotations

import math
from typing import Any

from engine.backend import xp


def squared_norm(array: Any) -> float:
    """Sum of squares of all elements, as a Python float (one BLAS dot, no temporary)."""
    flat = array.reshape(-1)
    return float(xp.dot(flat, flat))


def clip_by_norm(gradient: Any, clipnorm: float) -> Any:
    """``g * clipnorm / max(||g||, clipnorm)``: a new array, the input is left alone."""
    l2norm = math.sqrt(squared_norm(gradient))
    clipped = xp.multiply(gradient, clipnorm)
    clipped /= max(l2norm, clipnorm)
    return clipped


def clip_by_global_norm(gradients: list[Any], clipnorm: float) -> list[Any]:
    """Scale all gradients by ``min(1, clipnorm / global_norm)``; NaN if the norm is not finite (as Keras)."""
    norm = math.sqrt(sum(squared_norm(g) for g in gradients))
    if math.isfinite(norm):
        scale = clipnorm * min(1.0 / norm if norm > 0 else math.inf, 1.0 / clipnorm)
    else:
        scale = math.nan
    return [xp.multiply(g, scale) for g in gradients]


def clip_by_value(gradients: list[Any], clipvalue: float) -> list[Any]:
    return [xp.clip(g, -clipvalue, clipvalue) for g in gradients]
