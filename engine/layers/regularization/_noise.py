"""Host-side random draws for the noise layers (a layer's own stream when it has a seed)."""

from __future__ import annotations

from typing import Any

import numpy  # host-side random draws only; the result is moved to the device by the caller

from engine.backend import random as engine_random
from engine.backend import xp


class NoiseSource:
    """Draws for one layer: from its own generator when ``seed`` is set, else the engine's."""

    def __init__(self, seed: int | None) -> None:
        self._own = None if seed is None else numpy.random.default_rng(seed)

    def normal(self, shape: tuple[int, ...], mean: float, stddev: float, dtype: Any) -> Any:
        rng = self._own or engine_random.generator()
        kind = "float64" if str(dtype) == "float64" else "float32"
        draw = rng.standard_normal(shape, dtype=kind)
        if stddev != 1.0:
            draw *= stddev
        if mean != 0.0:
            draw += mean
        return xp.asarray(draw, dtype=dtype)
