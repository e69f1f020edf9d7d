"""Stochastic gradient descent, optionally with (Nesterov) momentum."""

from __future__ import annotations

from typing import Any

from engine.backend import fused, xp
from engine.errors import ConfigError
from engine.optimizers.base import Optimizer


class SGD(Optimizer):
    """``m = momentum * m - lr * g; w += m`` (``w += momentum * m - lr * g`` with Nesterov); plain ``w -= lr * g``
    when ``momentum`` is 0.
    """

    _default_name = "sgd"

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) or not 0 <= momentum <= 1:
            raise ConfigError(
                f"Optimizer SGD: `momentum` must be a float between [0, 1]. Received: momentum={momentum}"
            )
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_groups(self) -> list[tuple[str, ...]]:
        return [("momentum",)] if self.momentum != 0 else []

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        lr = coeffs
        coefficients = (lr, self.momentum, float(self.nesterov))
        if fused.optimizer_update("sgd", gradient, value, (slots.get("momentum"),), coefficients):
            return  # one compiled pass on the CPU
        step = self._scratch(0, value)
        xp.multiply(gradient, lr, out=step)  # lr * g
        if self.momentum == 0:
            value -= step
            return
        m = slots["momentum"]
        m *= self.momentum
        m -= step
        if self.nesterov:
            ahead = self._scratch(1, value)
            xp.multiply(m, self.momentum, out=ahead)
            ahead -= step
            value += ahead
        else:
            value += m

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
