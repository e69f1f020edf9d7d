"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from typing import Any

from engine.backend import fused, xp
from engine.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """``Eg = rho Eg + (1-rho) g²; d = -sqrt(Ed + eps) g / sqrt(Eg + eps); Ed = rho Ed + (1-rho) d²; w += lr d``."""

    _default_name = "adadelta"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _slot_groups(self) -> list[tuple[str, ...]]:
        return [("accumulated_grad", "accumulated_delta_var")]

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        lr = coeffs
        rho, eps = self.rho, self.epsilon
        acc_grad, acc_delta = slots["accumulated_grad"], slots["accumulated_delta_var"]
        if fused.optimizer_update("adadelta", gradient, value, (acc_grad, acc_delta), (lr, rho, 1 - rho, eps)):
            return  # one compiled pass on the CPU
        delta = self._scratch(0, value)  # holds -delta_var: negation is exact, so the sign is applied at the end
        tmp = self._scratch(1, value)
        acc_grad *= rho
        xp.square(gradient, out=tmp)
        tmp *= 1 - rho
        acc_grad += tmp
        xp.add(acc_delta, eps, out=delta)
        xp.sqrt(delta, out=delta)
        delta *= gradient
        xp.add(acc_grad, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        delta /= tmp
        acc_delta *= rho
        xp.square(delta, out=tmp)
        tmp *= 1 - rho
        acc_delta += tmp
        delta *= lr
        value -= delta

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
