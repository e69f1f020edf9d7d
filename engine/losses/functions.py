"""Loss functions by Keras name: ``fn(y_true, y_pred) -> per-sample losses``.

Each reduces the last axis the way Keras does (``mse`` is the mean over it, so a
``(batch, units)`` prediction gives ``(batch,)`` losses). ``y_pred`` is a tensor
on the tape; ``y_true`` is a constant cast to ``y_pred``'s dtype. Ranks are
aligned as in Keras's loss wrapper: ``(batch,)`` targets fit ``(batch, 1)``
predictions.

Crossentropies of a ``softmax`` or ``sigmoid`` output are computed from the
logits that activation recorded (``y_pred._keras_logits``) with a fused,
numerically stable op; the result equals Keras's clipped probability formula
wherever that clip is inactive.
"""

from __future__ import annotations

import math
from typing import Any

from engine import ops
from engine.activations import is_sigmoid_output
from engine.autograd import Tensor
from engine.backend import epsilon, xp
from engine.errors import ConfigError
from engine.losses import _inputs
from engine.ops import losses_fused as fused

_LOG2 = math.log(2.0)


def _pair(y_true: Any, y_pred: Any) -> tuple[Any, Tensor]:
    y_pred = _inputs.prediction(y_pred)
    t = _inputs.target(y_true, y_pred.dtype)
    t, y_pred, _ = _inputs.align(t, y_pred)
    return t, y_pred


def _elementwise_mean(y_true: Any, y_pred: Any, value, derivative) -> Tensor:
    t, y_pred = _pair(y_true, y_pred)
    return fused.reduced_elementwise_loss(y_pred, lambda p: value(p, t), lambda p: derivative(p, t))


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((y_true - y_pred)**2, axis=-1)``."""
    return _elementwise_mean(y_true, y_pred, lambda p, t: xp.square(p - t), lambda p, t: 2.0 * (p - t))


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(|y_true - y_pred|, axis=-1)``."""
    return _elementwise_mean(y_true, y_pred, lambda p, t: xp.abs(p - t), lambda p, t: xp.sign(p - t))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|, axis=-1)``."""
    eps = epsilon()

    def value(p, t):
        return 100.0 * xp.abs((t - p) / xp.maximum(xp.abs(t), eps))

    def derivative(p, t):
        return 100.0 * xp.sign(p - t) / xp.maximum(xp.abs(t), eps)

    return _elementwise_mean(y_true, y_pred, value, derivative)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2, axis=-1)``."""
    eps = epsilon()

    def diff(p, t):
        return xp.log(xp.maximum(p, eps) + 1.0) - xp.log(xp.maximum(t, eps) + 1.0)

    def derivative(p, t):
        return 2.0 * diff(p, t) * (p >= eps) / (xp.maximum(p, eps) + 1.0)

    return _elementwise_mean(y_true, y_pred, lambda p, t: xp.square(diff(p, t)), derivative)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Quadratic ``0.5 e**2`` for ``|e| <= delta``, linear ``delta |e| - 0.5 delta**2`` beyond; mean over -1."""
    delta = float(delta)

    def value(p, t):
        error = p - t
        magnitude = xp.abs(error)
        return xp.where(magnitude <= delta, 0.5 * error * error, delta * magnitude - 0.5 * delta * delta)

    def derivative(p, t):
        error = p - t
        return xp.where(xp.abs(error) <= delta, error, delta * xp.sign(error))

    return _elementwise_mean(y_true, y_pred, value, derivative)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, as ``x + softplus(-2x) - log(2)`` (no overflow)."""

    def value(p, t):
        x = p - t
        return x + xp.logaddexp(-2.0 * x, 0.0).astype(x.dtype) - _LOG2

    return _elementwise_mean(y_true, y_pred, value, lambda p, t: xp.tanh(p - t))


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``."""
    eps = epsilon()
    return _elementwise_mean(y_true, y_pred, lambda p, t: p - t * xp.log(p + eps), lambda p, t: 1.0 - t / (p + eps))


def _hinge_labels(t: Any) -> Any:
    """Keras converts {0, 1} labels to {-1, 1} for the hinge losses."""
    if bool(xp.all((t == 0) | (t == 1))):
        return 2.0 * t - 1.0
    return t


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)`` with {0, 1} labels mapped to {-1, 1}."""
    t, y_pred = _pair(y_true, y_pred)
    t = _hinge_labels(t)
    return fused.reduced_elementwise_loss(
        y_pred, lambda p: xp.maximum(1.0 - t * p, 0.0), lambda p: -t * (1.0 - t * p >= 0)
    )


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0)**2, axis=-1)`` with {0, 1} labels mapped to {-1, 1}."""
    t, y_pred = _pair(y_true, y_pred)
    t = _hinge_labels(t)
    return fused.reduced_elementwise_loss(
        y_pred,
        lambda p: xp.square(xp.maximum(1.0 - t * p, 0.0)),
        lambda p: -2.0 * t * xp.maximum(1.0 - t * p, 0.0),
    )


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    t, y_pred = _pair(y_true, y_pred)
    positive = ops.sum(ops.multiply(t, y_pred), axis=-1)
    negative = ops.max(ops.multiply(1.0 - t, y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(negative, positive), 1.0), 0.0)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[eps, 1]``."""
    eps = epsilon()
    t, y_pred = _pair(y_true, y_pred)
    t = xp.clip(t, eps, 1.0)
    return fused.reduced_elementwise_loss(
        y_pred,
        lambda p: t * xp.log(t / xp.clip(p, eps, 1.0)),
        lambda p: -t / xp.clip(p, eps, 1.0) * ((p >= eps) & (p <= 1.0)),
        reduction="sum",
    )


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 for parallel vectors."""
    eps = epsilon()
    t, y_pred = _pair(y_true, y_pred)
    t_norm = t / xp.sqrt(xp.maximum((t * t).sum(axis=axis, keepdims=True), eps * eps))
    return fused.cosine_similarity(t_norm, y_pred, eps, axis=axis)


def _softmax_logits(y_pred: Tensor, axis: int) -> Tensor | None:
    logits = y_pred._keras_logits
    if logits is None or is_sigmoid_output(y_pred) or axis % y_pred.ndim != y_pred.ndim - 1:
        return None
    return logits


def _check_axis(axis: Any, name: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ConfigError(f"Loss '{name}' expects an integer `axis`, received {axis!r}.")
    return axis


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """``-sum(y_true * log(y_pred), axis)`` for one-hot (optionally smoothed) targets."""
    axis = _check_axis(axis, "categorical_crossentropy")
    y_pred = _inputs.prediction(y_pred)
    logits = y_pred if from_logits else _softmax_logits(y_pred, axis)
    t = _inputs.target(y_true, y_pred.dtype)
    t, y_pred, logits = _inputs.align(t, y_pred, logits)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / t.shape[-1]
    if logits is not None:
        probs = None if from_logits or logits is not y_pred._keras_logits else y_pred.data
        return fused.softmax_cross_entropy(t, logits, axis=axis, probs=probs)
    return fused.categorical_cross_entropy_probs(t, y_pred, epsilon(), axis=axis)


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> Tensor:
    """Crossentropy of integer labels; entries equal to ``ignore_class`` get a zero loss and are masked."""
    axis = _check_axis(axis, "sparse_categorical_crossentropy")
    y_pred = _inputs.prediction(y_pred)
    if axis % y_pred.ndim != y_pred.ndim - 1:
        y_pred = ops.transpose(y_pred, _move_to_last(y_pred.ndim, axis))
    logits = y_pred if from_logits else _softmax_logits(y_pred, -1)
    classes = y_pred.shape[-1]
    labels = _inputs.labels(y_true, classes, "sparse_categorical_crossentropy", ignore_class)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if tuple(labels.shape) != tuple(y_pred.shape[:-1]):
        raise ConfigError(
            f"Loss 'sparse_categorical_crossentropy' expects labels of shape {tuple(y_pred.shape[:-1])} "
            f"for predictions of shape {tuple(y_pred.shape)}, received labels of shape {tuple(labels.shape)}."
        )
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = xp.where(valid, labels, 0)
    if logits is not None:
        probs = None if from_logits else y_pred.data
        result = fused.sparse_softmax_cross_entropy(labels, logits, probs=probs)
    else:
        result = fused.sparse_cross_entropy_probs(labels, y_pred, epsilon())
    if valid is not None:
        result = ops.multiply(result, valid.astype(result.dtype))
        result._keras_mask = valid
    return result


def _move_to_last(ndim: int, axis: int) -> tuple[int, ...]:
    axis = axis % ndim
    return (*(i for i in range(ndim) if i != axis), axis)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Tensor:
    """``-mean(t log p + (1 - t) log(1 - p), axis)``; smoothing squeezes targets towards 0.5."""
    axis = _check_axis(axis, "binary_crossentropy")
    y_pred = _inputs.prediction(y_pred)
    logits = y_pred if from_logits else (y_pred._keras_logits if is_sigmoid_output(y_pred) else None)
    t = _inputs.target(y_true, y_pred.dtype)
    t, y_pred, logits = _inputs.align(t, y_pred, logits)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if logits is not None:
        probs = None if from_logits or logits is not y_pred._keras_logits else y_pred.data
        return fused.sigmoid_cross_entropy(t, logits, axis=axis, probs=probs)
    return fused.binary_cross_entropy_probs(t, y_pred, epsilon(), axis=axis)


def binary_focal_crossentropy(  # noqa: PLR0917 - Keras's positional order
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Tensor:
    """Binary crossentropy scaled by ``(1 - p_t)**gamma`` (and ``alpha`` balancing), as Keras defines it."""
    y_pred = _inputs.prediction(y_pred)
    t = _inputs.target(y_true, y_pred.dtype)
    t, y_pred, _ = _inputs.align(t, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    probs = ops.sigmoid(y_pred) if from_logits else y_pred
    eps = epsilon()
    clipped = ops.clip(probs, eps, 1.0 - eps)
    bce = ops.negative(ops.add(ops.multiply(t, ops.log(clipped)), ops.multiply(1.0 - t, ops.log(1.0 - clipped))))
    p_t = ops.add(ops.multiply(t, probs), ops.multiply(1.0 - t, ops.subtract(1.0, probs)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        focal = ops.multiply(focal, t * alpha + (1.0 - t) * (1.0 - alpha))
    return ops.mean(focal, axis=axis)


# Keras's short names for the same functions.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy
