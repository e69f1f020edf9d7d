"""Weight and activity regularizers (L1, L2, L1L2): penalties added to the loss."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.autograd import Tensor
from engine.errors import ConfigError
from engine.saving.object_registration import lookup, register_builtin


class Regularizer:
    """Base class: ``regularizer(weight) -> scalar penalty tensor``."""

    def __call__(self, x: Any) -> Tensor:
        raise NotImplementedError  # abstract

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        for name, value in (("l1", l1), ("l2", l2)):
            if value is None or float(value) < 0:
                raise ConfigError(f"Regularizer {name} must be a non-negative number, got {value!r}.")
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x: Any) -> Tensor:
        penalty = None
        if self.l1:
            penalty = ops.sum(ops.abs(x)) * self.l1
        if self.l2:
            term = ops.sum(ops.square(x)) * self.l2
            penalty = term if penalty is None else penalty + term
        return penalty if penalty is not None else ops.sum(ops.multiply(x, 0.0))

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


def l1(l1: float = 0.01) -> L1:  # noqa: E741 - Keras name
    return L1(l1)


def l2(l2: float = 0.01) -> L2:
    return L2(l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:  # noqa: E741
    return L1L2(l1=l1, l2=l2)


for _cls in (L1, L2, L1L2):
    register_builtin("regularizer", _cls.__name__, _cls)
register_builtin("regularizer", "l1", L1)
register_builtin("regularizer", "l2", L2)
register_builtin("regularizer", "l1_l2", L1L2)


def serialize(regularizer: Regularizer) -> dict[str, Any]:
    return {
        "module": "keras.regularizers",
        "class_name": type(regularizer).__name__,
        "config": regularizer.get_config(),
        "registered_name": getattr(type(regularizer), "_registered_name", None),
    }


def get(identifier: Any) -> Regularizer | None:
    """A regularizer from None, a name ('l2'), a Keras config dict, or an instance."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        cls = lookup(identifier, "regularizer")
        if cls is None:
            raise ConfigError(f"Unknown regularizer {identifier!r}. Valid names: l1, l2, l1_l2.")
        return cls()
    if isinstance(identifier, dict):
        cls = lookup(str(identifier.get("class_name")), "regularizer")
        if cls is None:
            raise ConfigError(f"Unknown regularizer {identifier.get('class_name')!r}. Valid names: L1, L2, L1L2.")
        return cls.from_config(dict(identifier.get("config") or {}))
    if callable(identifier):
        return identifier
    raise ConfigError(f"Cannot interpret {identifier!r} as a regularizer.")
