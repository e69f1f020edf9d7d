"""Metrics that average a loss function over all samples (errors, crossentropies, hinges), plus RMSE."""

from __future__ import annotations

from typing import Any

from engine.autograd import no_grad
from engine.backend import floatx
from engine.losses import _inputs
from engine.losses import functions as losses
from engine.metrics.base import FunctionMetric, Mean, to_array


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Cosine similarity (not negated, unlike the loss): 1 for vectors pointing the same way."""
    with no_grad():
        return -to_array(losses.cosine_similarity(y_true, y_pred, axis=axis))


class MeanSquaredError(FunctionMetric):
    """Mean of squared errors."""

    _function = staticmethod(losses.mean_squared_error)
    _default_name = "mean_squared_error"


class MeanAbsoluteError(FunctionMetric):
    """Mean of absolute errors."""

    _function = staticmethod(losses.mean_absolute_error)
    _default_name = "mean_absolute_error"


class MeanAbsolutePercentageError(FunctionMetric):
    """Mean absolute percentage error."""

    _function = staticmethod(losses.mean_absolute_percentage_error)
    _default_name = "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(FunctionMetric):
    """Mean squared logarithmic error."""

    _function = staticmethod(losses.mean_squared_logarithmic_error)
    _default_name = "mean_squared_logarithmic_error"


class LogCoshError(FunctionMetric):
    """Mean log-cosh error."""

    _function = staticmethod(losses.log_cosh)
    _default_name = "logcosh"


class CosineSimilarity(FunctionMetric):
    """Mean cosine similarity between predictions and targets."""

    _function = staticmethod(cosine_similarity)
    _default_name = "cosine_similarity"
    _params = {"axis": -1}


class BinaryCrossentropy(FunctionMetric):
    """Mean binary crossentropy."""

    _function = staticmethod(losses.binary_crossentropy)
    _default_name = "binary_crossentropy"
    _params = {"from_logits": False, "label_smoothing": 0.0}


class CategoricalCrossentropy(FunctionMetric):
    """Mean categorical crossentropy."""

    _function = staticmethod(losses.categorical_crossentropy)
    _default_name = "categorical_crossentropy"
    _params = {"from_logits": False, "label_smoothing": 0.0, "axis": -1}


class SparseCategoricalCrossentropy(FunctionMetric):
    """Mean sparse categorical crossentropy."""

    _function = staticmethod(losses.sparse_categorical_crossentropy)
    _default_name = "sparse_categorical_crossentropy"
    _params = {"from_logits": False, "axis": -1}


class KLDivergence(FunctionMetric):
    """Mean Kullback-Leibler divergence."""

    _function = staticmethod(losses.kl_divergence)
    _default_name = "kl_divergence"


class Poisson(FunctionMetric):
    """Mean Poisson loss."""

    _function = staticmethod(losses.poisson)
    _default_name = "poisson"


class Hinge(FunctionMetric):
    """Mean hinge loss."""

    _function = staticmethod(losses.hinge)
    _default_name = "hinge"


class SquaredHinge(FunctionMetric):
    """Mean squared hinge loss."""

    _function = staticmethod(losses.squared_hinge)
    _default_name = "squared_hinge"


class CategoricalHinge(FunctionMetric):
    """Mean categorical hinge loss."""

    _function = staticmethod(losses.categorical_hinge)
    _default_name = "categorical_hinge"


class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean of squared errors over everything seen."""

    def __init__(self, name: str | None = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_array(y_pred)
        if y_pred.dtype.kind != "f":
            y_pred = y_pred.astype(floatx())
        y_true = _inputs.target(to_array(y_true), y_pred.dtype)
        y_true, y_pred = _inputs.squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state((y_pred - y_true) ** 2, sample_weight=sample_weight)

    def result(self) -> float:
        return super().result() ** 0.5
