"""Turning loss arguments into what the loss ops need: a prediction tensor, constant targets, aligned ranks."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.autograd import Tensor, as_array
from engine.backend import floatx, fused, xp
from engine.errors import DataError


def prediction(y_pred: Any) -> Tensor:
    """``y_pred`` as a floating tensor (arrays of floats keep their dtype; others become floatx)."""
    if isinstance(y_pred, Tensor):
        if y_pred.data.dtype.kind == "f":
            return y_pred
        return ops.cast(y_pred, floatx())
    array = as_array(y_pred)
    if array.dtype.kind != "f":
        array = array.astype(floatx())
    return Tensor(array)


def target(y_true: Any, dtype: Any) -> Any:
    """``y_true`` as a constant array of the prediction's dtype (targets carry no gradient)."""
    return as_array(y_true, dtype=dtype)


def labels(y_true: Any, classes: int, name: str, ignore_class: int | None = None) -> Any:
    """Integer class indices from ``y_true`` (ints, or floats holding integers), range-checked."""
    array = as_array(y_true)
    if array.dtype.kind not in "iu":
        array = array.astype("int64")
    if array.size and not (ignore_class is None and fused.labels_in_range(array, classes)):
        low, high = int(array.min()), int(array.max())
        if ignore_class is not None and ignore_class in (low, high):
            valid = array[array != ignore_class]
            low, high = (int(valid.min()), int(valid.max())) if valid.size else (0, 0)
        if low < 0 or high >= classes:
            bad = low if low < 0 else high
            raise DataError(
                f"Loss '{name}' expects integer labels in [0, {classes - 1}] for {classes} classes, "
                f"received label {bad}."
            )
    return array


def _expand_last(x: Any) -> Any:
    return ops.expand_dims(x, -1) if isinstance(x, Tensor) else xp.expand_dims(x, -1)


def _squeeze_last(x: Any) -> Any:
    return ops.squeeze(x, -1) if isinstance(x, Tensor) else xp.squeeze(x, -1)


def squeeze_or_expand_to_same_rank(x1: Any, x2: Any, expand_rank_1: bool = True) -> tuple[Any, Any]:
    """Keras's rank alignment: when ranks differ by one and the longer has a last dim of 1, fix it."""
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = _expand_last(x2)
        else:
            x1 = _squeeze_last(x1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = _expand_last(x1)
        else:
            x2 = _squeeze_last(x2)
    return x1, x2


def align(y_true: Any, y_pred: Tensor, logits: Tensor | None = None) -> tuple[Any, Tensor, Tensor | None]:
    """Align ``y_true`` with ``y_pred`` as Keras's loss wrapper does, reshaping ``logits`` like ``y_pred``."""
    rank_t, rank_p = len(y_true.shape), y_pred.ndim
    if abs(rank_t - rank_p) != 1:
        return y_true, y_pred, logits
    new_true, new_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if new_pred is not y_pred and logits is not None:
        logits = ops.squeeze(logits, -1) if new_pred.ndim < rank_p else ops.expand_dims(logits, -1)
    return new_true, new_pred, logits
