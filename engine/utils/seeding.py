"""Reproducible runs: one call seeds every source of randomness the engine uses."""

from __future__ import annotations

from engine.backend import random as engine_random


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy and the engine generator (and CuPy when it is the backend).

    With the same seed, two runs of the same ``fit`` give bit-identical weights
    on the CPU: initializers, dropout masks, noise and shuffling all draw from
    the engine generator.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        from engine.errors import ConfigError  # noqa: PLC0415

        raise ConfigError(f"set_random_seed expects a non-negative integer, received {seed!r}.")
    engine_random.seed(seed)
    from engine.backend import _state  # noqa: PLC0415

    if _state.backend() == "cupy":
        _state.array_module().random.seed(seed)
