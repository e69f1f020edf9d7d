"""Keras's loss classes: each a loss function plus its hyperparameters and a reduction.

``CategoricalCrossentropy(from_logits=False, label_smoothing=0.0, axis=-1,
reduction="sum_over_batch_size", name="categorical_crossentropy")`` and so on,
with Keras 3's positional order and config keys. Configs written by Keras 2
(``"reduction": "auto"``, an ``"fn"`` entry) load too.
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.errors import ConfigError
from engine.losses import functions as fns
from engine.losses.loss import LossFunctionWrapper

_BASE_ARGS = ("reduction", "name", "dtype")


class _BuiltinLoss(LossFunctionWrapper):
    """A loss class defined by its function, default name and hyperparameters (in Keras's order)."""

    _function: ClassVar[Any] = None
    _default_name: ClassVar[str] = ""
    _params: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = (*self._params, *_BASE_ARGS)
        cls_name = type(self).__name__
        if len(args) > len(names):
            raise ConfigError(f"{cls_name} takes at most {len(names)} positional arguments, received {len(args)}.")
        given = dict(zip(names, args, strict=False))
        for key, value in kwargs.items():
            if key in given:
                raise ConfigError(f"{cls_name} got multiple values for argument '{key}'.")
            given[key] = value
        given.pop("fn", None)  # Keras 2 configs repeat the function name
        unknown = set(given) - set(names)
        if unknown:
            raise ConfigError(
                f"{cls_name} got unexpected argument(s) {', '.join(sorted(unknown))}; "
                f"valid arguments: {', '.join(names)}."
            )
        params = {key: given.get(key, default) for key, default in self._params.items()}
        _validate(cls_name, params)
        super().__init__(
            type(self)._function,
            reduction=given.get("reduction", "sum_over_batch_size"),
            name=given.get("name") or self._default_name,
            dtype=given.get("dtype"),
            **params,
        )
        for key, value in params.items():
            setattr(self, key, value)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction, **self._fn_kwargs}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


def _validate(cls_name: str, params: dict[str, Any]) -> None:
    smoothing = params.get("label_smoothing")
    if smoothing is not None and not 0.0 <= float(smoothing) <= 1.0:
        raise ConfigError(f"{cls_name} expects label_smoothing in [0, 1], received {smoothing!r}.")
    if "from_logits" in params and not isinstance(params["from_logits"], bool):
        raise ConfigError(f"{cls_name} expects a boolean from_logits, received {params['from_logits']!r}.")
    axis = params.get("axis")
    if axis is not None and (isinstance(axis, bool) or not isinstance(axis, int)):
        raise ConfigError(f"{cls_name} expects an integer axis, received {axis!r}.")
    delta = params.get("delta")
    if delta is not None and not float(delta) > 0:
        raise ConfigError(f"{cls_name} expects a positive delta, received {delta!r}.")
    ignore = params.get("ignore_class")
    if ignore is not None and (isinstance(ignore, bool) or not isinstance(ignore, int)):
        raise ConfigError(f"{cls_name} expects an integer ignore_class or None, received {ignore!r}.")


_CROSSENTROPY = {"from_logits": False, "label_smoothing": 0.0, "axis": -1}


class MeanSquaredError(_BuiltinLoss):
    """Mean of squared errors over the last axis."""

    _function = staticmethod(fns.mean_squared_error)
    _default_name = "mean_squared_error"


class MeanAbsoluteError(_BuiltinLoss):
    """Mean of absolute errors over the last axis."""

    _function = staticmethod(fns.mean_absolute_error)
    _default_name = "mean_absolute_error"


class MeanAbsolutePercentageError(_BuiltinLoss):
    """100 times the mean relative absolute error."""

    _function = staticmethod(fns.mean_absolute_percentage_error)
    _default_name = "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(_BuiltinLoss):
    """Mean squared difference of log(1 + x)."""

    _function = staticmethod(fns.mean_squared_logarithmic_error)
    _default_name = "mean_squared_logarithmic_error"


class Huber(_BuiltinLoss):
    """Quadratic near zero, linear beyond ``delta``."""

    _function = staticmethod(fns.huber)
    _default_name = "huber_loss"
    _params = {"delta": 1.0}


class LogCosh(_BuiltinLoss):
    """Mean log(cosh(error)): like MSE for small errors, like MAE for large ones."""

    _function = staticmethod(fns.log_cosh)
    _default_name = "log_cosh"


class CategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy of one-hot targets."""

    _function = staticmethod(fns.categorical_crossentropy)
    _default_name = "categorical_crossentropy"
    _params = _CROSSENTROPY


class SparseCategoricalCrossentropy(_BuiltinLoss):
    """Crossentropy of integer class labels."""

    _function = staticmethod(fns.sparse_categorical_crossentropy)
    _default_name = "sparse_categorical_crossentropy"
    _params = {"from_logits": False, "ignore_class": None}


class BinaryCrossentropy(_BuiltinLoss):
    """Crossentropy of independent 0/1 targets, averaged over the last axis."""

    _function = staticmethod(fns.binary_crossentropy)
    _default_name = "binary_crossentropy"
    _params = _CROSSENTROPY


class BinaryFocalCrossentropy(_BuiltinLoss):
    """Binary crossentropy that down-weights easy examples."""

    _function = staticmethod(fns.binary_focal_crossentropy)
    _default_name = "binary_focal_crossentropy"
    _params = {"apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0, **_CROSSENTROPY}


class KLDivergence(_BuiltinLoss):
    """Kullback-Leibler divergence of the prediction from the target distribution."""

    _function = staticmethod(fns.kl_divergence)
    _default_name = "kl_divergence"


class Poisson(_BuiltinLoss):
    """Poisson negative log-likelihood (up to a constant)."""

    _function = staticmethod(fns.poisson)
    _default_name = "poisson"


class CosineSimilarity(_BuiltinLoss):
    """Negative cosine similarity: -1 when prediction and target point the same way."""

    _function = staticmethod(fns.cosine_similarity)
    _default_name = "cosine_similarity"
    _params = {"axis": -1}


class Hinge(_BuiltinLoss):
    """Hinge loss for -1/1 (or 0/1) targets."""

    _function = staticmethod(fns.hinge)
    _default_name = "hinge"


class SquaredHinge(_BuiltinLoss):
    """Squared hinge loss for -1/1 (or 0/1) targets."""

    _function = staticmethod(fns.squared_hinge)
    _default_name = "squared_hinge"


class CategoricalHinge(_BuiltinLoss):
    """Hinge loss of one-hot targets."""

    _function = staticmethod(fns.categorical_hinge)
    _default_name = "categorical_hinge"


LOSS_CLASSES = (
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    Huber,
    LogCosh,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    KLDivergence,
    Poisson,
    CosineSimilarity,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
)
