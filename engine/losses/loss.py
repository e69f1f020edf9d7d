"""The ``Loss`` base class and Keras's reductions of per-sample losses to one number.

``loss(y_true, y_pred, sample_weight)`` computes per-sample losses with
``call``, multiplies them by the sample weights (and by the mask that
``y_pred`` or the losses carry), and reduces: ``"sum_over_batch_size"`` (the
default, also ``"mean"``) divides the weighted sum by the number of per-sample
loss entries, ``"sum"`` returns the sum, ``"mean_with_sample_weight"`` divides
by the sum of the weights, ``"none"``/``None`` returns the per-sample tensor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import ops
from engine.autograd import Tensor, as_array
from engine.backend import xp
from engine.errors import ConfigError
from engine.layers.naming import to_snake_case
from engine.losses import _inputs

REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


def standardize_reduction(reduction: Any) -> str | None:
    """A valid reduction name; Keras 2's ``"auto"`` means ``"sum_over_batch_size"``."""
    if reduction == "auto":
        return "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ConfigError(f"Invalid loss reduction {reduction!r}: expected one of {', '.join(map(repr, REDUCTIONS))}.")
    return reduction


def standardize_dtype(dtype: Any) -> str | None:
    """A dtype name from a string, a NumPy dtype or a Keras 3 ``DTypePolicy`` config dict."""
    if dtype is None:
        return None
    if isinstance(dtype, dict):
        return standardize_dtype(dtype.get("config", {}).get("name"))
    name = getattr(dtype, "name", None) or str(dtype)
    return name.split("_")[-1] if name.startswith("mixed_") else name


class Loss:
    """Base class of losses: subclasses implement ``call(y_true, y_pred) -> per-sample losses``."""

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size", dtype: Any = None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = standardize_dtype(dtype)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        in_mask = y_pred._keras_mask if isinstance(y_pred, Tensor) else None
        y_pred = _inputs.prediction(y_pred)
        losses = self.call(y_true, y_pred)
        if not isinstance(losses, Tensor):
            losses = Tensor(as_array(losses, y_pred.dtype))
        mask = _combine_masks(in_mask, losses._keras_mask)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction)

    def call(self, y_true: Any, y_pred: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")  # abstract

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A loss function (``fn(y_true, y_pred, **kwargs)``) as a ``Loss`` with a reduction."""

    def __init__(
        self,
        fn: Callable[..., Any],
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Tensor) -> Tensor:
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict[str, Any]:
        from engine.losses.registry import serialize_function  # the registry imports this module

        return {**super().get_config(), "fn": serialize_function(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):
            from engine.losses.registry import get

            config["fn"] = get(config["fn"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, kwargs={self._fn_kwargs})>"


def _combine_masks(first: Any, second: Any) -> Any:
    if first is None:
        return second
    if second is None:
        return first
    return as_array(first) & as_array(second)


def reduce_values(values: Tensor, sample_weight: Any = None, reduction: str | None = "sum_over_batch_size") -> Tensor:
    """Reduce weighted per-sample losses to a scalar as ``reduction`` says."""
    if reduction in (None, "none") or values.ndim == 0 or values.shape == (0,):
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total_weight = xp.sum(sample_weight)
        divisor = xp.where(total_weight != 0, total_weight, 1)
        return ops.divide(ops.sum(values), divisor.astype(values.dtype))
    return ops.mean(values)


def apply_mask(sample_weight: Any, mask: Any, dtype: Any, reduction: str | None) -> Any:
    """Fold a boolean mask into the sample weights; for means, the average runs over the valid entries only."""
    if mask is None:
        return sample_weight
    mask = as_array(mask).astype(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = mask.sum()
        mask = mask * xp.where(valid > 0, mask.size / xp.maximum(valid, 1), 0).astype(dtype)
    if sample_weight is None:
        return mask
    mask, sample_weight = _inputs.squeeze_or_expand_to_same_rank(mask, sample_weight)
    return sample_weight * mask


def reduce_weighted_values(
    values: Tensor, sample_weight: Any = None, mask: Any = None, reduction: str | None = "sum_over_batch_size"
) -> Tensor:
    """Weight ``values`` by ``sample_weight`` and ``mask`` (broadcast over trailing axes), then reduce."""
    reduction = standardize_reduction(reduction)
    if sample_weight is not None:
        sample_weight = as_array(sample_weight, dtype=values.dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = _inputs.squeeze_or_expand_to_same_rank(values, sample_weight)
        # Per-sample weights of shape (batch,) against (batch, time) losses weight every step.
        while 0 < sample_weight.ndim < values.ndim and sample_weight.shape == values.shape[: sample_weight.ndim]:
            sample_weight = xp.expand_dims(sample_weight, -1)
        values = ops.multiply(values, sample_weight)
    return reduce_values(values, sample_weight, reduction)
