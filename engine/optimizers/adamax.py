"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from typing import Any

from engine.backend import fused, xp
from engine.optimizers.base import Optimizer


class Adamax(Optimizer):
    """``m += (g - m)(1 - b1); u = max(b2 u, |g|); w -= lr m / ((1 - b1**t)(u + eps))``."""

    _default_name = "adamax"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _slot_groups(self) -> list[tuple[str, ...]]:
        return [("momentum", "norm")]

    def _prepare_step(self, learning_rate: float, step: int) -> Any:
        return learning_rate, 1 - self.beta_1**step

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        lr, bias_correction = coeffs
        m, u = slots["momentum"], slots["norm"]
        coefficients = (lr, 1 - self.beta_1, self.beta_2, self.epsilon, bias_correction)
        if fused.optimizer_update("adamax", gradient, value, (m, u), coefficients):
            return  # one compiled pass on the CPU
        tmp = self._scratch(0, value)
        upd = self._scratch(1, value)
        xp.subtract(gradient, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        u *= self.beta_2
        xp.abs(gradient, out=tmp)
        xp.maximum(u, tmp, out=u)
        xp.add(u, self.epsilon, out=tmp)
        tmp *= bias_correction
        xp.multiply(m, lr, out=upd)
        upd /= tmp
        value -= upd

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
