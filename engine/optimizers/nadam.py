"""Nadam: Adam with Nesterov momentum (Dozat's momentum schedule)."""

from __future__ import annotations

from typing import Any

from engine.backend import fused, xp
from engine.optimizers.base import Optimizer, f32


class Nadam(Optimizer):
    """Keras 3's Nadam. ``u_t = b1 (1 - 0.5 * 0.96**t)``; the running product of the ``u_t`` is optimizer
    state (``u_product``, saved after the slots as Keras does).
    """

    _default_name = "nadam"

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
        self._u_product = 1.0

    def _slot_groups(self) -> list[tuple[str, ...]]:
        return [("momentum", "velocity")]

    def _extra_state(self) -> list[tuple[str, Any, Any]]:
        return [("u_product", xp.asarray(self._u_product, dtype="float32"), self._assign_u_product)]

    def _assign_u_product(self, value: Any) -> None:
        self._u_product = f32(value)

    def _u(self, step: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**step)

    def _before_update_steps(self, step: int) -> None:
        self._u_product = f32(self._u_product * self._u(step))

    def _prepare_step(self, learning_rate: float, step: int) -> Any:
        u_t, u_t_1 = self._u(step), self._u(step + 1)
        u_product_t = self._u_product
        u_product_t_1 = u_product_t * u_t_1
        return learning_rate, u_t_1, 1 - u_product_t_1, 1 - u_t, 1 - u_product_t, 1 - self.beta_2**step

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        lr, u_t_1, denom_m, one_minus_u_t, denom_g, v_correction = coeffs
        m, v = slots["momentum"], slots["velocity"]
        coefficients = (lr, 1 - self.beta_1, 1 - self.beta_2, u_t_1, denom_m, one_minus_u_t, denom_g, v_correction,
                        self.epsilon)  # fmt: skip
        if fused.optimizer_update("nadam", gradient, value, (m, v), coefficients):
            return  # one compiled pass on the CPU
        tmp = self._scratch(0, value)
        m_hat = self._scratch(1, value)
        xp.subtract(gradient, m, out=tmp)
        tmp *= 1 - self.beta_1
        m += tmp
        xp.square(gradient, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        xp.multiply(m, u_t_1, out=m_hat)
        m_hat /= denom_m
        xp.multiply(gradient, one_minus_u_t, out=tmp)
        tmp /= denom_g
        m_hat += tmp
        m_hat *= lr
        xp.divide(v, v_correction, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        m_hat /= tmp
        value -= m_hat

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
