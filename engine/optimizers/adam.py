"""Adam: adaptive moment estimation (with the optional AMSGrad variant)."""

from __future__ import annotations

import math
from typing import Any

from engine.backend import fused, xp
from engine.optimizers.base import Optimizer


class Adam(Optimizer):
    """Keras 3's Adam: ``m += (g - m)(1 - b1); v += (g² - v)(1 - b2); w -= alpha m / (sqrt(v) + eps)``
    with ``alpha = lr sqrt(1 - b2**t) / (1 - b1**t)``; ``amsgrad`` divides by the running maximum of ``v``.
    """

    _default_name = "adam"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = bool(amsgrad)

    def _slot_groups(self) -> list[tuple[str, ...]]:
        groups = [("momentum", "velocity")]
        if self.amsgrad:
            groups.append(("velocity_hat",))
        return groups

    def _prepare_step(self, learning_rate: float, step: int) -> Any:
        return learning_rate * math.sqrt(1 - self.beta_2**step) / (1 - self.beta_1**step)

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        alpha = coeffs
        m, v = slots["momentum"], slots["velocity"]
        v_hat = slots["velocity_hat"] if self.amsgrad else None
        if fused.adam_update(gradient, value, m, v, alpha, self.beta_1, self.beta_2, self.epsilon, v_hat):
            return  # one fused pass (a CUDA kernel, or the compiled CPU kernel)
        tmp = self._scratch(0, value)
        upd = self._scratch(1, value)
        xp.subtract(gradient, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        xp.square(gradient, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        if v_hat is not None:
            xp.maximum(v_hat, v, out=v_hat)
            v = v_hat
        xp.sqrt(v, out=tmp)
        tmp += self.epsilon
        xp.multiply(m, alpha, out=upd)
        upd /= tmp
        value -= upd

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
