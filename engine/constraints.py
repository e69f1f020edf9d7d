"""Weight constraints applied after each optimizer step (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)."""

from __future__ import annotations

from typing import Any

from engine.backend import epsilon, xp
from engine.errors import ConfigError
from engine.saving.object_registration import lookup, register_builtin


class Constraint:
    """Base class: ``constraint(array) -> array`` projecting a weight back into its set."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        return cls(**config)


class MaxNorm(Constraint):
    def __init__(self, max_value: float = 2.0, axis: int = 0) -> None:
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = xp.sqrt(xp.sum(w * w, axis=self.axis, keepdims=True))
        desired = xp.clip(norms, 0, self.max_value)
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return w * (w >= 0)


class UnitNorm(Constraint):
    def __init__(self, axis: int = 0) -> None:
        self.axis = axis

    def __call__(self, w):
        return w / (epsilon() + xp.sqrt(xp.sum(w * w, axis=self.axis, keepdims=True)))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: int = 0) -> None:
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = xp.sqrt(xp.sum(w * w, axis=self.axis, keepdims=True))
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


for _cls in (MaxNorm, NonNeg, UnitNorm, MinMaxNorm):
    register_builtin("constraint", _cls.__name__, _cls)
for _alias, _cls in (("max_norm", MaxNorm), ("non_neg", NonNeg), ("unit_norm", UnitNorm), ("min_max_norm", MinMaxNorm)):
    register_builtin("constraint", _alias, _cls)


def serialize(constraint: Constraint) -> dict[str, Any]:
    return {"module": "keras.constraints", "class_name": type(constraint).__name__,
            "config": constraint.get_config(), "registered_name": None}  # fmt: skip


def get(identifier: Any) -> Constraint | None:
    if identifier is None or isinstance(identifier, Constraint) or callable(identifier):
        return identifier
    name = identifier.get("class_name") if isinstance(identifier, dict) else identifier
    cls = lookup(str(name), "constraint")
    if cls is None:
        raise ConfigError(f"Unknown constraint {name!r}. Valid names: max_norm, non_neg, unit_norm, min_max_norm.")
    config = identifier.get("config") or {} if isinstance(identifier, dict) else {}
    return cls.from_config(dict(config))
