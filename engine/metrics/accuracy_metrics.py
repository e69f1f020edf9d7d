"""Accuracy functions (per-sample 0/1 matches, on arrays) and their mean metrics.

Ties in ``argmax`` go to the first index and a label ties into the top k when
its score equals the k-th largest, as in Keras.
"""

from __future__ import annotations

from typing import Any

from engine.backend import floatx, fused, xp
from engine.losses import _inputs
from engine.metrics.base import FunctionMetric, to_array


def _float(matches: Any) -> Any:
    return matches.astype(floatx())


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1 where ``y_pred`` equals ``y_true`` exactly, element-wise."""
    y_pred = to_array(y_pred)
    y_true = to_array(y_true).astype(y_pred.dtype)
    y_true, y_pred = _inputs.squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _float(y_true == y_pred)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """1 where ``y_pred > threshold`` agrees with the 0/1 ``y_true``, element-wise."""
    y_pred = to_array(y_pred)
    y_true = to_array(y_true)
    y_true, y_pred = _inputs.squeeze_or_expand_to_same_rank(y_true, y_pred)
    return _float(y_true == (y_pred > threshold).astype(y_true.dtype))


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1 where the argmax of ``y_pred`` is the argmax of the one-hot ``y_true``."""
    y_pred = to_array(y_pred)
    labels = to_array(y_true).argmax(axis=-1)
    return _float(labels == y_pred.argmax(axis=-1))


def _sparse_labels(y_true: Any, y_pred: Any) -> Any:
    labels = to_array(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    return labels


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1 where the argmax of ``y_pred`` equals the integer label."""
    y_pred = to_array(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    if labels.shape == y_pred.shape[:-1]:
        hits = fused.sparse_top1(y_pred, labels, floatx())  # one kernel on the GPU
        if hits is not None:
            return hits
    return _float(labels == y_pred.argmax(axis=-1).astype(labels.dtype))


def _in_top_k(labels: Any, y_pred: Any, k: int) -> Any:
    classes = y_pred.shape[-1]
    scores = y_pred.reshape(-1, classes)
    flat = labels.reshape(-1).astype("int64")
    if k >= classes:
        return xp.ones(labels.shape, dtype=bool)
    kth = xp.partition(scores, classes - k, axis=-1)[:, classes - k]
    valid = (flat >= 0) & (flat < classes)
    picked = scores[xp.arange(flat.shape[0]), xp.where(valid, flat, 0)]
    return ((picked >= kth) & valid).reshape(labels.shape)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1 where the one-hot target's class is among the ``k`` highest scores."""
    y_pred = to_array(y_pred)
    return _float(_in_top_k(to_array(y_true).argmax(axis=-1), y_pred, k))


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5, from_sorted_ids: bool = False) -> Any:
    """1 where the integer label is among the ``k`` highest scores (or the first ``k`` of sorted class ids)."""
    y_pred = to_array(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    if from_sorted_ids:
        return _float((y_pred[..., :k] == labels[..., None]).any(axis=-1))
    return _float(_in_top_k(labels, y_pred, k))


class Accuracy(FunctionMetric):
    """How often predictions equal labels exactly."""

    _function = staticmethod(accuracy)
    _default_name = "accuracy"


class BinaryAccuracy(FunctionMetric):
    """How often ``y_pred > threshold`` matches the binary labels."""

    _function = staticmethod(binary_accuracy)
    _default_name = "binary_accuracy"
    _params = {"threshold": 0.5}


class CategoricalAccuracy(FunctionMetric):
    """How often the predicted class matches the one-hot label."""

    _function = staticmethod(categorical_accuracy)
    _default_name = "categorical_accuracy"


class SparseCategoricalAccuracy(FunctionMetric):
    """How often the predicted class matches the integer label."""

    _function = staticmethod(sparse_categorical_accuracy)
    _default_name = "sparse_categorical_accuracy"


class TopKCategoricalAccuracy(FunctionMetric):
    """How often the one-hot label is among the top ``k`` predictions."""

    _function = staticmethod(top_k_categorical_accuracy)
    _default_name = "top_k_categorical_accuracy"
    _params = {"k": 5}


class SparseTopKCategoricalAccuracy(FunctionMetric):
    """How often the integer label is among the top ``k`` predictions."""

    _function = staticmethod(sparse_top_k_categorical_accuracy)
    _default_name = "sparse_top_k_categorical_accuracy"
    _params = {"k": 5, "from_sorted_ids": False}
