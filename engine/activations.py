"""Activation functions by Keras name: ``activations.get('relu')``."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from engine import ops
from engine.autograd import Tensor
from engine.errors import ConfigError
from engine.ops import activations as _act
from engine.saving.object_registration import lookup, register_builtin


def linear(x: Any) -> Any:
    return x


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0) -> Tensor:
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    return _act.relu_capped(x, max_value=max_value, threshold=threshold, negative_slope=negative_slope)


def sigmoid(x: Any) -> Tensor:
    out = ops.sigmoid(x)
    if isinstance(x, Tensor):
        out._keras_logits = x  # lets binary crossentropy use the stable fused path
        _SIGMOID_OUTPUTS.add(out)
    return out


# Both softmax and sigmoid outputs carry their logits; this set tells the two
# apart so that crossentropy never mistakes sigmoid logits for softmax ones.
_SIGMOID_OUTPUTS: weakref.WeakSet = weakref.WeakSet()


def is_sigmoid_output(x: Any) -> bool:
    """Whether ``x`` was produced by ``sigmoid`` (so its ``_keras_logits`` are sigmoid logits)."""
    return x in _SIGMOID_OUTPUTS


def tanh(x: Any) -> Tensor:
    return ops.tanh(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    out = ops.softmax(x, axis=axis)
    if axis == -1 and isinstance(x, Tensor):
        out._keras_logits = x  # lets crossentropy use the stable fused path
    return out


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return ops.log_softmax(x, axis=axis)


def softplus(x: Any) -> Tensor:
    return _act.softplus(x)


def softsign(x: Any) -> Tensor:
    return _act.softsign(x)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    return _act.elu(x, alpha)


def selu(x: Any) -> Tensor:
    return _act.selu(x)


def gelu(x: Any, approximate: bool = False) -> Tensor:
    return _act.gelu(x, approximate)


def swish(x: Any) -> Tensor:
    return _act.swish(x)


silu = swish


def hard_sigmoid(x: Any) -> Tensor:
    return _act.hard_sigmoid(x)


def exponential(x: Any) -> Tensor:
    return _act.exponential(x)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    return _act.leaky_relu(x, negative_slope)


def relu6(x: Any) -> Tensor:
    return _act.relu_capped(x, max_value=6.0)


_ALL = {
    "linear": linear, "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "log_softmax": log_softmax, "softplus": softplus, "softsign": softsign, "elu": elu, "selu": selu,
    "gelu": gelu, "swish": swish, "silu": silu, "hard_sigmoid": hard_sigmoid,
    "exponential": exponential, "leaky_relu": leaky_relu, "relu6": relu6,
}  # fmt: skip
for _name, _fn in _ALL.items():
    register_builtin("activation", _name, _fn)


def get(identifier: Any) -> Callable[[Any], Any]:
    """The activation function for a name, callable or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = lookup(identifier, "activation")
        if fn is None:
            raise ConfigError(f"Unknown activation {identifier!r}. Valid names: {', '.join(sorted(_ALL))}.")
        return fn
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier).get("name", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ConfigError(f"Cannot interpret {identifier!r} as an activation.")


def serialize(activation: Callable[[Any], Any]) -> str:
    name = getattr(activation, "__name__", None)
    if name in _ALL and _ALL[name] is activation:
        return name
    registered = getattr(activation, "_registered_name", None)
    if registered:
        return registered
    raise ConfigError(f"Activation {activation!r} cannot be serialized: register it with utils.register_serializable.")
