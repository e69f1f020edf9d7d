"""Adagrad: per-parameter rates that shrink with the accumulated squared gradients."""

from __future__ import annotations

from typing import Any

from engine.backend import fused, xp
from engine.errors import ConfigError
from engine.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """``acc += g²; w -= lr g / sqrt(acc + eps)``, with ``acc`` starting at ``initial_accumulator_value``."""

    _default_name = "adagrad"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if initial_accumulator_value < 0:
            raise ConfigError(
                "Optimizer Adagrad: `initial_accumulator_value` must be non-negative. "
                f"Received: initial_accumulator_value={initial_accumulator_value}"
            )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_groups(self) -> list[tuple[str, ...]]:
        return [("accumulator",)]

    def _slot_initial_value(self, slot: str) -> float:
        return float(self.initial_accumulator_value) if slot == "accumulator" else 0.0

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        lr = coeffs
        accumulator = slots["accumulator"]
        if fused.optimizer_update("adagrad", gradient, value, (accumulator,), (lr, self.epsilon)):
            return  # one compiled pass on the CPU
        denom = self._scratch(0, value)
        upd = self._scratch(1, value)
        xp.square(gradient, out=denom)
        accumulator += denom
        xp.add(accumulator, self.epsilon, out=denom)
        xp.sqrt(denom, out=denom)
        xp.multiply(gradient, lr, out=upd)
        upd /= denom
        value -= upd

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
