"""The engine's random generator: initializers, dropout, noise and shuffling draw from it."""

from __future__ import annotations

import random as _py_random

import numpy

_generator = numpy.random.default_rng()


def seed(value: int) -> None:
    """Reseed the engine generator (and Python's and NumPy's global ones)."""
    global _generator
    _py_random.seed(value)
    numpy.random.seed(value % (2**32))
    _generator = numpy.random.default_rng(value)


def generator() -> numpy.random.Generator:
    """The engine's host-side generator. Draws are made on the host, then moved to the device."""
    return _generator
