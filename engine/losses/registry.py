"""Finding losses by identifier (``losses.get``) and writing them back (``losses.serialize``).

Identifiers are what Keras accepts: a function or class name or alias
(``"mse"``, ``"CategoricalCrossentropy"``), a Keras 3 or Keras 2 config dict,
a ``Loss`` class or instance, or any callable. As in Keras, a function name
gives the function and a class name an instance; ``as_loss`` always gives a
``Loss`` (a function wrapped with the default reduction), which is what a
training loop wants.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from engine.errors import ConfigError
from engine.losses import functions as fns
from engine.losses.classes import LOSS_CLASSES
from engine.losses.loss import Loss, LossFunctionWrapper
from engine.saving.object_registration import builtins_of, lookup, register_builtin

LOSS_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "mean_squared_error": fns.mean_squared_error,
    "mean_absolute_error": fns.mean_absolute_error,
    "mean_absolute_percentage_error": fns.mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": fns.mean_squared_logarithmic_error,
    "huber": fns.huber,
    "log_cosh": fns.log_cosh,
    "categorical_crossentropy": fns.categorical_crossentropy,
    "sparse_categorical_crossentropy": fns.sparse_categorical_crossentropy,
    "binary_crossentropy": fns.binary_crossentropy,
    "binary_focal_crossentropy": fns.binary_focal_crossentropy,
    "kl_divergence": fns.kl_divergence,
    "poisson": fns.poisson,
    "cosine_similarity": fns.cosine_similarity,
    "hinge": fns.hinge,
    "squared_hinge": fns.squared_hinge,
    "categorical_hinge": fns.categorical_hinge,
}
ALIASES = {
    "mse": "mean_squared_error",
    "MSE": "mean_squared_error",
    "mae": "mean_absolute_error",
    "MAE": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "MSLE": "mean_squared_logarithmic_error",
    "logcosh": "log_cosh",
    "kld": "kl_divergence",
    "KLD": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "bce": "binary_crossentropy",
    "BCE": "binary_crossentropy",
    "huber_loss": "huber",
    "cosine_proximity": "cosine_similarity",  # the Keras 2.2 name
}

for _name, _fn in LOSS_FUNCTIONS.items():
    register_builtin("loss", _name, _fn)
for _alias, _target in ALIASES.items():
    register_builtin("loss", _alias, LOSS_FUNCTIONS[_target])
for _cls in (*LOSS_CLASSES, Loss, LossFunctionWrapper):
    register_builtin("loss", _cls.__name__, _cls)


def valid_names() -> list[str]:
    return sorted(builtins_of("loss"))


def get(identifier: Any, custom_objects: dict[str, Any] | None = None) -> Any:
    """The loss for ``identifier``: a function for function names, an instance for class names and configs."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, str):
        found = lookup(identifier, "loss", custom_objects)
        if found is None:
            raise ConfigError(f"Unknown loss {identifier!r}. Valid names: {', '.join(valid_names())}.")
        return found() if inspect.isclass(found) else found
    if inspect.isclass(identifier) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ConfigError(f"Cannot interpret {identifier!r} as a loss: expected a name, config dict, Loss or callable.")


def as_loss(identifier: Any, custom_objects: dict[str, Any] | None = None) -> Loss:
    """``get(identifier)`` as a ``Loss`` instance: functions are wrapped with the default reduction."""
    loss = get(identifier, custom_objects)
    if loss is None:
        raise ConfigError("A loss is required, received None.")
    if isinstance(loss, Loss):
        return loss
    return LossFunctionWrapper(loss, name=getattr(loss, "__name__", None))


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Any:
    """A loss from a Keras 3 (``module``/``class_name``/``config``) or Keras 2 (``class_name``/``config``) dict."""
    if "class_name" not in config:
        raise ConfigError(f"A loss config needs a 'class_name' entry, received keys {sorted(config)}.")
    class_name = config["class_name"]
    inner = config.get("config") or {}
    if class_name == "function":  # Keras 3's way of writing a plain function
        return get(inner if isinstance(inner, str) else inner.get("name"), custom_objects)
    found = lookup(config.get("registered_name") or class_name, "loss", custom_objects)
    if found is None:
        found = lookup(class_name, "loss", custom_objects)
    if found is None:
        raise ConfigError(f"Unknown loss class {class_name!r}. Valid names: {', '.join(valid_names())}.")
    if not inspect.isclass(found):
        return found
    return found.from_config(dict(inner))


def serialize_function(fn: Callable[..., Any]) -> str:
    """The name a loss function is saved under (a built-in name or its registered name)."""
    name = getattr(fn, "__name__", None)
    if name in LOSS_FUNCTIONS and LOSS_FUNCTIONS[name] is fn:
        return name
    registered = getattr(fn, "_registered_name", None)
    if registered:
        return registered
    raise ConfigError(f"Loss function {fn!r} cannot be serialized: register it with register_serializable.")


def serialize(loss: Any) -> Any:
    """A JSON-able description of ``loss``: a name for functions, a Keras 3 config dict for ``Loss`` objects."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        registered = getattr(type(loss), "_registered_name", None)
        return {
            "module": "keras.losses" if registered is None else type(loss).__module__,
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": registered,
        }
    return serialize_function(loss)
