"""Metrics from confusion counts: Precision, Recall and AUC (ROC or PR), as Keras computes them.

A prediction is positive when it is strictly greater than the threshold; a
label is positive when it is non-zero. Counts are weighted by sample weights.
"""

from __future__ import annotations

from typing import Any

from engine.backend import epsilon, xp
from engine.errors import ConfigError
from engine.losses import _inputs
from engine.metrics.base import Metric, to_array
from engine.ops.nn import _sigmoid


def _prepare(y_true: Any, y_pred: Any, sample_weight: Any, class_id: int | None = None) -> tuple[Any, Any, Any]:
    """Flat float predictions, boolean labels and weights (ones when none are given)."""
    y_pred = to_array(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = y_pred.astype("float32")
    y_true = to_array(y_true)
    y_true, y_pred = _inputs.squeeze_or_expand_to_same_rank(y_true, y_pred)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
    if sample_weight is None:
        weights = xp.ones(y_pred.shape, dtype="float64")
    else:
        weights = to_array(sample_weight).astype("float64")
        weights, y_pred = _inputs.squeeze_or_expand_to_same_rank(weights, y_pred)
        while weights.ndim < y_pred.ndim:
            weights = xp.expand_dims(weights, -1)
        weights = xp.broadcast_to(weights, y_pred.shape)
    return y_pred.reshape(-1), (xp.broadcast_to(y_true, y_pred.shape) != 0).reshape(-1), weights.reshape(-1)


def _top_k_only(y_pred: Any, k: int) -> Any:
    """Keep the ``k`` largest scores per row and push the others below any threshold (Keras's ``top_k``)."""
    y_pred = to_array(y_pred)
    classes = y_pred.shape[-1]
    if k >= classes:
        return y_pred
    kth = xp.partition(y_pred, classes - k, axis=-1)[..., classes - k : classes - k + 1]
    return xp.where(y_pred >= kth, y_pred, -xp.inf)


class _ThresholdMetric(Metric):
    """Shared state of Precision and Recall: weighted TP, FP and FN at one threshold."""

    def __init__(
        self,
        thresholds: float | None = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if isinstance(thresholds, (list, tuple)):
            if len(thresholds) != 1:
                raise ConfigError(f"{type(self).__name__} supports one threshold, received {thresholds!r}.")
            thresholds = thresholds[0]
        if thresholds is not None and not 0.0 <= float(thresholds) <= 1.0:
            raise ConfigError(f"{type(self).__name__} expects a threshold in [0, 1], received {thresholds!r}.")
        self.thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.reset_state()

    def reset_state(self) -> None:
        self.true_positives: Any = 0.0
        self.false_positives: Any = 0.0
        self.false_negatives: Any = 0.0

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        # Keras's default threshold is 0.5, but with top_k every kept prediction counts (threshold -inf).
        threshold = self.thresholds if self.thresholds is not None else (0.5 if self.top_k is None else -1e300)
        if self.top_k is not None:
            y_pred = _top_k_only(y_pred, self.top_k)
        pred, label, weight = _prepare(y_true, y_pred, sample_weight, self.class_id)
        positive = pred > threshold
        self.true_positives = self.true_positives + xp.sum(weight * (positive & label))
        self.false_positives = self.false_positives + xp.sum(weight * (positive & ~label))
        self.false_negatives = self.false_negatives + xp.sum(weight * (~positive & label))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "thresholds": self.thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


def _ratio(numerator: Any, denominator: Any) -> float:
    denominator = float(denominator)
    return float(numerator) / denominator if denominator else 0.0


class Precision(_ThresholdMetric):
    """TP / (TP + FP): how many predicted positives are right."""

    def result(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_positives)


class Recall(_ThresholdMetric):
    """TP / (TP + FN): how many actual positives are found."""

    def result(self) -> float:
        return _ratio(self.true_positives, self.true_positives + self.false_negatives)


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at ``num_thresholds`` thresholds.

    Thresholds are Keras's: evenly spaced in (0, 1) plus ``-eps`` and ``1 + eps``
    at the ends, so predictions must be probabilities (or ``from_logits=True``).
    """

    def __init__(  # noqa: PLR0917 - Keras's positional order
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ) -> None:
        super().__init__(name=name or "auc", dtype=dtype)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ConfigError(f"AUC expects curve 'ROC' or 'PR', received {curve!r}.")
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ConfigError(
                "AUC expects summation_method 'interpolation', 'minoring' or 'majoring', "
                f"received {summation_method!r}."
            )
        if multi_label or label_weights is not None:
            raise ConfigError("AUC: multi_label and label_weights are not supported yet.")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ConfigError(f"AUC expects num_thresholds > 1, received {num_thresholds!r}.")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = num_thresholds
        self.curve = curve
        self.summation_method = summation_method
        self.from_logits = from_logits
        self.multi_label = multi_label
        self.num_labels = num_labels
        self._given_thresholds = None if thresholds is None else inner
        self._thresholds = xp.asarray([0.0 - epsilon(), *inner, 1.0 + epsilon()], dtype="float64")
        self.reset_state()

    @property
    def thresholds(self) -> list[float]:
        return [float(t) for t in self._thresholds]

    def reset_state(self) -> None:
        shape = (self.num_thresholds,)
        self.true_positives = xp.zeros(shape)
        self.false_positives = xp.zeros(shape)
        self.true_negatives = xp.zeros(shape)
        self.false_negatives = xp.zeros(shape)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = to_array(y_pred)
        if self.from_logits:
            y_pred = _sigmoid(y_pred)
        pred, label, weight = _prepare(y_true, y_pred, sample_weight)
        # Bucket b holds predictions above exactly the first b thresholds; counts above
        # threshold j are then a reversed cumulative sum over buckets j + 1 .. T.
        buckets = xp.searchsorted(self._thresholds, pred.astype("float64"), side="left")
        size = self.num_thresholds + 1
        pos = xp.bincount(buckets, weights=weight * label, minlength=size)
        neg = xp.bincount(buckets, weights=weight * ~label, minlength=size)
        pos_above = xp.cumsum(pos[::-1])[::-1][1:]
        neg_above = xp.cumsum(neg[::-1])[::-1][1:]
        self.true_positives = self.true_positives + pos_above
        self.false_positives = self.false_positives + neg_above
        self.false_negatives = self.false_negatives + (pos.sum() - pos_above)
        self.true_negatives = self.true_negatives + (neg.sum() - neg_above)

    def _interpolate_pr_auc(self) -> Any:
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, xp.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = xp.where(both, _divide_no_nan(p[:-1], xp.maximum(p[1:], 0)), 1.0)
        increment = _divide_no_nan(slope * (dtp + intercept * xp.log(ratio)), xp.maximum(tp[1:] + fn[1:], 0))
        return increment.sum()

    def result(self) -> float:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return float(self._interpolate_pr_auc())
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = xp.minimum(y[:-1], y[1:])
        else:
            heights = xp.maximum(y[:-1], y[1:])
        return float(((x[:-1] - x[1:]) * heights).sum())

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None,
            "from_logits": self.from_logits,
        }
        if self._given_thresholds is not None:
            config["thresholds"] = self._given_thresholds
        return config


def _divide_no_nan(a: Any, b: Any) -> Any:
    safe = xp.where(b == 0, 1.0, b)
    return xp.where(b == 0, 0.0, a / safe)
