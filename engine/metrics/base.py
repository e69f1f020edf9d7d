"""Stateful metrics: ``update_state`` per batch, ``result`` at any time, ``reset_state`` per epoch.

Metrics never touch the gradient tape: they read the arrays behind tensors and
accumulate with ``xp``. Running totals stay on the device (as 0-d arrays, in
float64 so that long epochs do not drift) and become a Python float only when
``result()`` is asked for, so a GPU is not synchronized on every batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from engine.autograd import Tensor, as_array, no_grad
from engine.backend import floatx, xp
from engine.errors import ConfigError
from engine.layers.naming import to_snake_case
from engine.losses import _inputs
from engine.losses.loss import apply_mask, standardize_dtype


def to_array(value: Any) -> Any:
    """The backend array behind a tensor, array or nested list."""
    return value.data if isinstance(value, Tensor) else as_array(value)


class Metric:
    """Base class: subclasses implement ``update_state``, ``result`` and ``reset_state``."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = standardize_dtype(dtype) or floatx()

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state.")  # abstract

    def result(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement result.")  # abstract

    def reset_state(self) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement reset_state.")  # abstract

    def __call__(self, *args: Any, **kwargs: Any) -> float:
        """Update with one batch and return the running result (as calling a Keras metric does)."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def reduce_to_samplewise_values(values: Any, sample_weight: Any) -> tuple[Any, Any]:
    """Keras's reduction of element-wise values to one value per sample, weighted.

    Values of higher rank than the weights are averaged over their extra axes;
    weights of higher rank than one are averaged down to one per sample
    (so the ratio total / count is the weighted mean over all entries).
    """
    values = to_array(values)
    if values.dtype.kind != "f":
        values = values.astype(floatx())
    if sample_weight is not None:
        sample_weight = as_array(to_array(sample_weight), dtype=values.dtype)
        values, sample_weight = _inputs.squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = values.mean(axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = xp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = sample_weight.mean(axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = values.mean(axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Mean(Metric):
    """The (weighted) mean of the values seen: the loss tracker is ``Mean`` fed with batch sizes as weights."""

    def __init__(self, name: str | None = "mean", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total: Any = 0.0
        self.count: Any = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight)
        self.total = self.total + xp.sum(values, dtype="float64")
        if sample_weight is not None:
            self.count = self.count + xp.sum(sample_weight, dtype="float64")
        else:
            self.count = self.count + (values.shape[0] if values.ndim >= 1 else 1)

    def result(self) -> float:
        count = float(self.count)
        return float(self.total) / count if count else 0.0


class Sum(Metric):
    """The (weighted) sum of the values seen."""

    def __init__(self, name: str | None = "sum", dtype: Any = None) -> None:
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total: Any = 0.0

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values, _ = reduce_to_samplewise_values(values, sample_weight)
        self.total = self.total + xp.sum(values, dtype="float64")

    def result(self) -> float:
        return float(self.total)


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen: any loss or accuracy function as a metric.

    A mask carried by ``y_pred`` (``_keras_mask``) excludes the masked entries
    from the mean, as Keras 2 did for sequence models.
    """

    def __init__(self, fn: Callable[..., Any], name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        mask = y_pred._keras_mask if isinstance(y_pred, Tensor) else None
        with no_grad():
            values = self._fn(y_true, y_pred, **self._fn_kwargs)
        values = to_array(values)
        if mask is not None:
            if sample_weight is not None:
                sample_weight = as_array(to_array(sample_weight), dtype=values.dtype)
            sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction="sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self) -> dict[str, Any]:
        from engine.metrics.registry import serialize_function  # the registry imports this module

        return {**super().get_config(), "fn": serialize_function(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        config = dict(config)
        if isinstance(config.get("fn"), (str, dict)):
            from engine.metrics.registry import get_function

            config["fn"] = get_function(config["fn"])
        return cls(**config)


class FunctionMetric(MeanMetricWrapper):
    """A ``MeanMetricWrapper`` of a fixed function whose config holds only name, dtype and its parameters."""

    _function: ClassVar[Any] = None
    _default_name: ClassVar[str] = ""
    _params: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        params = dict(self._params)
        params.update(zip(self._params, args, strict=False))
        unknown = set(kwargs) - set(params) - {"fn"}
        if unknown:
            raise ConfigError(
                f"{type(self).__name__} got unexpected argument(s) {', '.join(sorted(unknown))}; "
                f"valid arguments: {', '.join([*self._params, 'name', 'dtype'])}."
            )
        params.update({key: value for key, value in kwargs.items() if key in params})
        super().__init__(type(self)._function, name=name or self._default_name, dtype=dtype, **params)
        for key, value in params.items():
            setattr(self, key, value)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}
