"""Find optimizers by name or config: ``get``, ``serialize``, ``deserialize``."""

from __future__ import annotations

from typing import Any

from engine.errors import ConfigError
from engine.optimizers.adadelta import Adadelta
from engine.optimizers.adagrad import Adagrad
from engine.optimizers.adam import Adam
from engine.optimizers.adamax import Adamax
from engine.optimizers.adamw import AdamW
from engine.optimizers.base import Optimizer
from engine.optimizers.nadam import Nadam
from engine.optimizers.rmsprop import RMSprop
from engine.optimizers.sgd import SGD
from engine.saving.object_registration import lookup, register_builtin

_BUILTINS = (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam)
for _cls in _BUILTINS:
    register_builtin("optimizer", _cls.__name__, _cls)
    register_builtin("optimizer", _cls.__name__.lower(), _cls)


def _valid_names() -> str:
    return ", ".join(name for cls in _BUILTINS for name in (cls.__name__.lower(),))


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """Keras 3's serialized form: ``{"module", "class_name", "config", "registered_name"}``."""
    registered = getattr(type(optimizer), "_registered_name", None)
    return {
        "module": "keras.optimizers" if registered is None else None,
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "registered_name": registered,
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """Rebuild an optimizer from ``{"class_name": ..., "config": {...}}`` (Keras 3, or Keras 2's ``Custom>Adam``)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"An optimizer config must be a dict with a 'class_name'; received {config!r}.")
    class_name = str(config["class_name"])
    cls = None
    if config.get("registered_name"):
        cls = lookup(str(config["registered_name"]), "optimizer", custom_objects)
    if cls is None:
        cls = lookup(class_name, "optimizer", custom_objects)
    if cls is None:
        raise ConfigError(f"Unknown optimizer {class_name!r}. Valid names: {_valid_names()}.")
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier: Any, custom_objects: dict[str, Any] | None = None) -> Optimizer:
    """An optimizer from a name (``"adam"``), a config dict, or an instance (returned as is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, str):
        cls = lookup(identifier, "optimizer", custom_objects) or lookup(identifier.lower(), "optimizer", custom_objects)
        if cls is None:
            raise ConfigError(f"Unknown optimizer {identifier!r}. Valid names: {_valid_names()}.")
        return cls()
    raise ConfigError(
        f"Could not interpret optimizer identifier {identifier!r}: expected a name, a config dict or an Optimizer."
    )
