"""Saving and restoring optimizer state (step counter, learning rate, slots) in Keras's order.

Strata writes Keras 3's list (``iteration``, ``learning_rate``, then the slots). Keras 2 files have
no ``learning_rate`` entry (``iteration:0`` is int64), and keep momentum slots for SGD even with
``momentum=0``; both are mapped onto the engine optimizer by position.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy

from engine.backend import to_numpy


def optimizer_entries(optimizer: Any) -> list[tuple[str, numpy.ndarray]]:
    """``(weight name, host array)`` pairs as ``optimizer_weights`` lists them (``adam/iteration``, ...)."""
    return [(f"{optimizer.name}/{name}", numpy.asarray(to_numpy(value))) for name, value in optimizer.variables()]


def _candidates(values: list[numpy.ndarray], optimizer: Any) -> list[list[Any]]:
    """Ways to read ``values`` as the engine's state list: as is, or Keras 2's (no learning rate)."""
    found = [list(values)]
    if values and numpy.ndim(values[0]) == 0:
        learning_rate = numpy.float32(optimizer.learning_rate)
        has_lr = len(values) > 1 and numpy.ndim(values[1]) == 0 and values[1].dtype.kind == "f"
        if not has_lr:
            found.append([values[0], learning_rate, *values[1:]])
            found.append([values[0], learning_rate])  # Keras 2 SGD without momentum still saves slots
    return found


def restore_optimizer_state(model: Any, values: list[numpy.ndarray], source: str) -> bool:
    """Assign saved optimizer values to ``model.optimizer`` (building its slots first); warn if they do not fit."""
    optimizer = model.optimizer
    if optimizer is None or not values:
        return False
    variables = list(model._compiled_trainable or model.trainable_weights)
    for candidate in _candidates(values, optimizer):
        if len(candidate) > len(optimizer.variables()) and not optimizer.built:
            optimizer.build(variables)
        current = optimizer.variables()
        if len(candidate) != len(current):
            continue
        if any(tuple(numpy.shape(v)) != tuple(c.shape) for v, (_, c) in zip(candidate, current)):
            continue
        optimizer.set_variable_values([numpy.asarray(v) for v in candidate])
        return True
    warnings.warn(
        f"The optimizer state saved in '{source}' ({len(values)} values) does not fit optimizer "
        f"'{optimizer.name}' of model '{model.name}' ({len(optimizer.variables())} state variables); "
        "the optimizer starts from a fresh state.",
        UserWarning,
        stacklevel=3,
    )
    return False
