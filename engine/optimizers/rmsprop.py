"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from typing import Any

from engine.backend import fused, xp
from engine.errors import ConfigError
from engine.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """``v = rho * v + (1 - rho) * g**2; w -= lr * g / sqrt(v + eps)``.

    ``centered`` subtracts the square of a running mean gradient from ``v``; ``momentum`` > 0 accumulates
    the increments as ``mom = momentum * mom + increment; w -= mom``.
    """

    _default_name = "rmsprop"

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        for key, value in (("rho", rho), ("momentum", momentum)):
            if not 0 <= value <= 1:
                raise ConfigError(f"Optimizer RMSprop: `{key}` must be in [0, 1]. Received: {key}={value}")
        if not epsilon > 0:
            raise ConfigError(f"Optimizer RMSprop: `epsilon` must be positive. Received: epsilon={epsilon}")
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = bool(centered)

    def _slot_groups(self) -> list[tuple[str, ...]]:
        groups = [("velocity",)]
        if self.momentum > 0:
            groups.append(("momentum",))
        if self.centered:
            groups.append(("average_gradient",))
        return groups

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        lr = coeffs
        rho = self.rho
        velocity = slots["velocity"]
        momentum_slot = slots["momentum"] if self.momentum > 0 else None
        average = slots["average_gradient"] if self.centered else None
        coefficients = (lr, rho, 1 - rho, self.epsilon, self.momentum)
        if fused.optimizer_update("rmsprop", gradient, value, (velocity, momentum_slot, average), coefficients):
            return  # one compiled pass on the CPU
        denom = self._scratch(0, value)
        increment = self._scratch(1, value)
        velocity *= rho
        xp.square(gradient, out=denom)
        denom *= 1 - rho
        velocity += denom
        if self.centered:
            average = slots["average_gradient"]
            average *= rho
            xp.multiply(gradient, 1 - rho, out=denom)
            average += denom
            xp.square(average, out=denom)
            xp.subtract(velocity, denom, out=denom)
            denom += self.epsilon
        else:
            xp.add(velocity, self.epsilon, out=denom)
        xp.sqrt(denom, out=denom)
        xp.multiply(gradient, lr, out=increment)
        increment /= denom
        if self.momentum > 0:
            momentum = slots["momentum"]
            momentum *= self.momentum
            momentum += increment
            value -= momentum
        else:
            value -= increment

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
