"""The ``training_config`` of a saved model: compile arguments as JSON, and back to ``compile()``.

Strings and config dicts are stored as given; loss/metric objects as their Keras 3 config dicts,
functions by name. Reading accepts Keras 3 and Keras 2 configs (Keras 2 wraps metrics in one list
per output and names optimizers ``Custom>Adam``).
"""

from __future__ import annotations

import inspect
from typing import Any

from engine.errors import ConfigError
from engine.saving.object_registration import CustomObjectScope


def _serialize_loss(value: Any) -> Any:
    from engine.losses import Loss, serialize  # noqa: PLC0415

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict) and "class_name" in value:
        return value
    if isinstance(value, dict):
        return {k: _serialize_loss(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_loss(v) for v in value]
    if inspect.isclass(value):
        value = value()
    if isinstance(value, Loss):
        return serialize(value)
    return _function_name(value, serialize)


def _serialize_metric(value: Any) -> Any:
    from engine.metrics import Metric, serialize  # noqa: PLC0415

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict) and "class_name" in value:
        return value
    if isinstance(value, dict):
        return {k: _serialize_metric(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_metric(v) for v in value]
    if inspect.isclass(value):
        value = value()
    if isinstance(value, Metric):
        return serialize(value)
    return _function_name(value, serialize)


def _function_name(fn: Any, serialize: Any) -> str:
    try:
        return serialize(fn)
    except ConfigError:
        name = getattr(fn, "__name__", None)
        if not name:
            raise
        return name  # loadable again through custom_objects, as in Keras


# Keras 3-only optimizer arguments that tf.keras 2 rejects; left out when they hold their default.
_KERAS3_ONLY_DEFAULTS = {"loss_scale_factor": None, "gradient_accumulation_steps": None}


def serialize_optimizer(optimizer: Any) -> dict[str, Any]:
    registered = getattr(type(optimizer), "_registered_name", None)
    config = {
        key: value
        for key, value in optimizer.get_config().items()
        if not (key in _KERAS3_ONLY_DEFAULTS and value == _KERAS3_ONLY_DEFAULTS[key])
    }
    return {"class_name": registered or type(optimizer).__name__, "config": config}


def training_config(model: Any) -> dict[str, Any]:
    """The JSON-able ``training_config`` of a compiled model."""
    args = model._compile_args
    return {
        "loss": _serialize_loss(args.get("loss")),
        "metrics": _serialize_metric(args.get("metrics")),
        "weighted_metrics": _serialize_metric(args.get("weighted_metrics")),
        "loss_weights": args.get("loss_weights"),
        "optimizer_config": serialize_optimizer(model.optimizer),
    }


def _per_output_lists(metrics: Any, output_count: int) -> Any:
    """Keras 2 writes ``[[m1, m2]]`` (one list per output); the engine wants ``[m1, m2]`` for one output."""
    if isinstance(metrics, list) and metrics and all(isinstance(m, list) for m in metrics):
        if output_count == 1 and len(metrics) == 1:
            return metrics[0]
    return metrics


def _objects_from_configs(value: Any, getter: Any, custom_objects: dict[str, Any] | None) -> Any:
    """Config dicts (``{"class_name": ...}``) inside a loss/metrics spec turned into objects."""
    if isinstance(value, dict) and "class_name" in value:
        return getter(value, custom_objects)
    if isinstance(value, dict):
        return {k: _objects_from_configs(v, getter, custom_objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_objects_from_configs(v, getter, custom_objects) for v in value]
    return value


def compile_from_config(model: Any, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> None:
    """``model.compile(...)`` with the arguments a ``training_config`` describes."""
    from engine import losses, metrics, optimizers  # noqa: PLC0415

    if not isinstance(config, dict) or "optimizer_config" not in config:
        raise ConfigError("training_config needs an 'optimizer_config' entry.")
    outputs = len(model.outputs) if getattr(model, "outputs", None) else 1
    with CustomObjectScope(custom_objects or {}):
        optimizer = optimizers.deserialize(config["optimizer_config"], custom_objects)
        model.compile(
            optimizer=optimizer,
            loss=_objects_from_configs(config.get("loss"), losses.get, custom_objects),
            metrics=_objects_from_configs(
                _per_output_lists(config.get("metrics"), outputs), metrics.get, custom_objects
            ),
            loss_weights=config.get("loss_weights"),
            weighted_metrics=_objects_from_configs(
                _per_output_lists(config.get("weighted_metrics"), outputs), metrics.get, custom_objects
            ),
        )
