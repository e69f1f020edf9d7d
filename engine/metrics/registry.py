"""Finding metrics by identifier (``metrics.get``), Keras's 'accuracy' rule (``metrics.resolve``), serialization."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from engine.errors import ConfigError
from engine.losses import functions as loss_fns
from engine.losses import registry as loss_registry
from engine.metrics import accuracy_metrics as acc
from engine.metrics import confusion, regression
from engine.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from engine.saving.object_registration import builtins_of, lookup, register_builtin

METRIC_CLASSES = (
    Mean,
    Sum,
    MeanMetricWrapper,
    acc.Accuracy,
    acc.BinaryAccuracy,
    acc.CategoricalAccuracy,
    acc.SparseCategoricalAccuracy,
    acc.TopKCategoricalAccuracy,
    acc.SparseTopKCategoricalAccuracy,
    regression.MeanSquaredError,
    regression.MeanAbsoluteError,
    regression.MeanAbsolutePercentageError,
    regression.MeanSquaredLogarithmicError,
    regression.RootMeanSquaredError,
    regression.LogCoshError,
    regression.CosineSimilarity,
    regression.BinaryCrossentropy,
    regression.CategoricalCrossentropy,
    regression.SparseCategoricalCrossentropy,
    regression.KLDivergence,
    regression.Poisson,
    regression.Hinge,
    regression.SquaredHinge,
    regression.CategoricalHinge,
    confusion.Precision,
    confusion.Recall,
    confusion.AUC,
)

METRIC_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "accuracy": acc.accuracy,
    "binary_accuracy": acc.binary_accuracy,
    "categorical_accuracy": acc.categorical_accuracy,
    "sparse_categorical_accuracy": acc.sparse_categorical_accuracy,
    "top_k_categorical_accuracy": acc.top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": acc.sparse_top_k_categorical_accuracy,
    "cosine_similarity": regression.cosine_similarity,
    **{name: fn for name, fn in loss_registry.LOSS_FUNCTIONS.items() if name != "cosine_similarity"},
}

# Names Keras resolves to a metric class (snake-case class names win over function names, as in Keras 3).
_NAMED_CLASSES: dict[str, type] = {
    "accuracy": acc.Accuracy,
    "acc": acc.Accuracy,
    "binary_accuracy": acc.BinaryAccuracy,
    "categorical_accuracy": acc.CategoricalAccuracy,
    "sparse_categorical_accuracy": acc.SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": acc.TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": acc.SparseTopKCategoricalAccuracy,
    "mean_squared_error": regression.MeanSquaredError,
    "mse": regression.MeanSquaredError,
    "MSE": regression.MeanSquaredError,
    "mean_absolute_error": regression.MeanAbsoluteError,
    "mae": regression.MeanAbsoluteError,
    "MAE": regression.MeanAbsoluteError,
    "mean_absolute_percentage_error": regression.MeanAbsolutePercentageError,
    "mape": regression.MeanAbsolutePercentageError,
    "MAPE": regression.MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": regression.MeanSquaredLogarithmicError,
    "msle": regression.MeanSquaredLogarithmicError,
    "MSLE": regression.MeanSquaredLogarithmicError,
    "root_mean_squared_error": regression.RootMeanSquaredError,
    "rmse": regression.RootMeanSquaredError,
    "log_cosh_error": regression.LogCoshError,
    "logcosh": regression.LogCoshError,
    "cosine_similarity": regression.CosineSimilarity,
    "binary_crossentropy": regression.BinaryCrossentropy,
    "bce": regression.BinaryCrossentropy,
    "BCE": regression.BinaryCrossentropy,
    "categorical_crossentropy": regression.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": regression.SparseCategoricalCrossentropy,
    "kl_divergence": regression.KLDivergence,
    "kld": regression.KLDivergence,
    "KLD": regression.KLDivergence,
    "kullback_leibler_divergence": regression.KLDivergence,
    "poisson": regression.Poisson,
    "hinge": regression.Hinge,
    "squared_hinge": regression.SquaredHinge,
    "categorical_hinge": regression.CategoricalHinge,
    "precision": confusion.Precision,
    "recall": confusion.Recall,
    "auc": confusion.AUC,
    "mean": Mean,
    "sum": Sum,
}

for _cls in METRIC_CLASSES:
    register_builtin("metric", _cls.__name__, _cls)
for _name, _cls in _NAMED_CLASSES.items():
    register_builtin("metric", _name, _cls)
for _name, _fn in METRIC_FUNCTIONS.items():
    if _name not in _NAMED_CLASSES:
        register_builtin("metric", _name, _fn)


def valid_names() -> list[str]:
    return sorted(builtins_of("metric"))


def get(identifier: Any, custom_objects: dict[str, Any] | None = None) -> Metric | None:
    """A metric instance for a name, config dict, ``Metric`` class or instance, or a ``fn(y_true, y_pred)``."""
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, str):
        found = lookup(identifier, "metric", custom_objects)
        if found is None:
            found = lookup(identifier, "loss", custom_objects)  # any loss function is a metric too
        if found is None:
            raise ConfigError(f"Unknown metric {identifier!r}. Valid names: {', '.join(valid_names())}.")
        return _instantiate(found, identifier)
    return _instantiate(identifier, None)


def _instantiate(found: Any, name: str | None) -> Metric:
    if isinstance(found, Metric):
        return found
    if inspect.isclass(found) and issubclass(found, Metric):
        return found()
    if inspect.isclass(found):
        found = found()  # e.g. a Loss class used as a metric
    if callable(found):
        return MeanMetricWrapper(found, name=name or getattr(found, "name", None) or getattr(found, "__name__", None))
    raise ConfigError(f"Cannot interpret {found!r} as a metric: expected a name, config dict, Metric or callable.")


def get_function(identifier: Any, custom_objects: dict[str, Any] | None = None) -> Callable[..., Any]:
    """The plain function behind a metric function name (used by ``MeanMetricWrapper`` configs)."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):  # Keras 3 writes functions as {"class_name": "function", "config": name}
        identifier = identifier.get("config") if identifier.get("class_name") == "function" else None
    if isinstance(identifier, str):
        if identifier in METRIC_FUNCTIONS:
            return METRIC_FUNCTIONS[identifier]
        found = lookup(identifier, "loss", custom_objects) or lookup(identifier, "metric", custom_objects)
        if found is not None and not inspect.isclass(found):
            return found
    raise ConfigError(f"Unknown metric function {identifier!r}. Valid names: {', '.join(sorted(METRIC_FUNCTIONS))}.")


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Metric:
    """A metric from a Keras 3 or Keras 2 config dict (``MeanMetricWrapper`` with an ``fn`` name included)."""
    if "class_name" not in config:
        raise ConfigError(f"A metric config needs a 'class_name' entry, received keys {sorted(config)}.")
    class_name = config["class_name"]
    inner = config.get("config") or {}
    if class_name == "function":
        return get(inner if isinstance(inner, str) else inner.get("name"), custom_objects)
    found = lookup(config.get("registered_name") or class_name, "metric", custom_objects)
    if found is None:
        found = lookup(class_name, "metric", custom_objects)
    if found is None:
        raise ConfigError(f"Unknown metric class {class_name!r}. Valid names: {', '.join(valid_names())}.")
    if inspect.isclass(found) and issubclass(found, Metric):
        if isinstance(inner.get("fn"), (str, dict)):
            inner = {**inner, "fn": get_function(inner["fn"], custom_objects)}
        return found.from_config(dict(inner))
    return _instantiate(found, inner.get("name") if isinstance(inner, dict) else None)


def serialize_function(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", None)
    if name in METRIC_FUNCTIONS and METRIC_FUNCTIONS[name] is fn:
        return name
    registered = getattr(fn, "_registered_name", None)
    if registered:
        return registered
    raise ConfigError(f"Metric function {fn!r} cannot be serialized: register it with register_serializable.")


def serialize(metric: Any) -> Any:
    """A Keras 3 style config dict for a metric (a name for a plain function)."""
    if metric is None:
        return None
    if isinstance(metric, Metric):
        registered = getattr(type(metric), "_registered_name", None)
        return {
            "module": "keras.metrics" if registered is None else type(metric).__module__,
            "class_name": type(metric).__name__,
            "config": metric.get_config(),
            "registered_name": registered,
        }
    return serialize_function(metric)


_ACCURACY_CLASSES = {
    "binary": acc.BinaryAccuracy,
    "sparse": acc.SparseCategoricalAccuracy,
    "categorical": acc.CategoricalAccuracy,
}
_CROSSENTROPY_CLASSES = {
    "binary": regression.BinaryCrossentropy,
    "sparse": regression.SparseCategoricalCrossentropy,
    "categorical": regression.CategoricalCrossentropy,
}


def _loss_function(loss: Any) -> Any:
    """The function behind a loss identifier (name, dict, Loss instance or function), or None."""
    try:
        loss = loss_registry.get(loss) if isinstance(loss, (str, dict)) else loss
    except ConfigError:
        return None
    return getattr(loss, "fn", loss)


def _classification_kind(loss: Any, output_shape: Any) -> str:
    fn = _loss_function(loss)
    if fn in (loss_fns.categorical_crossentropy,):
        return "categorical"
    if fn is loss_fns.sparse_categorical_crossentropy:
        return "sparse"
    if fn in (loss_fns.binary_crossentropy, loss_fns.binary_focal_crossentropy):
        return "binary"
    if output_shape is not None and len(output_shape) and output_shape[-1] == 1:
        return "binary"
    return "categorical"


def resolve(identifier: Any, loss: Any = None, output_shape: Any = None) -> Metric:
    """The metric ``compile(metrics=[identifier])`` means for a model output trained with ``loss``.

    'accuracy'/'acc' become categorical accuracy for categorical crossentropy,
    sparse categorical accuracy for sparse crossentropy, and binary accuracy for
    binary crossentropy or a last output dimension of 1 ('crossentropy'/'ce'
    likewise pick the crossentropy). A metric given by a string keeps that
    string as its name, as Keras logs it ('accuracy', 'mse').
    """
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc", "crossentropy", "ce"):
        kind = _classification_kind(loss, output_shape)
        if identifier.lower() in ("accuracy", "acc"):
            return _ACCURACY_CLASSES[kind](name=identifier)
        from_logits = bool(getattr(_loss_object(loss), "from_logits", False))
        return _CROSSENTROPY_CLASSES[kind](name=identifier, from_logits=from_logits)
    metric = get(identifier)
    if metric is None:
        raise ConfigError("A metric identifier is required, received None.")
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def _loss_object(loss: Any) -> Any:
    try:
        return loss_registry.get(loss) if isinstance(loss, (str, dict)) else loss
    except ConfigError:
        return None
