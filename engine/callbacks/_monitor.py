"""Which way a monitored quantity should go, shared by the callbacks that watch one.

``mode="auto"`` asks the model's metric objects first (a ``_direction`` of ``"up"`` or
``"down"``, as Keras 3 metrics carry), then the name: losses and errors fall, accuracies,
AUC and the other score-like metrics rise, anything else is treated as a loss, as
Keras's name rule does.
"""

from __future__ import annotations

import warnings
from typing import Any

from engine.errors import ConfigError

MODES = ("auto", "min", "max")

# Keras 3 metrics whose direction is "up" besides the accuracies and AUC.
_RISING_TOKENS = frozenset({"precision", "recall", "f1", "fbeta", "r2", "iou", "similarity", "specificity"})


def check_mode(owner: str, mode: str) -> str:
    """Return ``mode`` or raise naming the callback when it is not auto/min/max."""
    if mode not in MODES:
        raise ConfigError(f"{owner} expects mode to be one of {MODES}, received mode={mode!r}")
    return mode


def resolve_mode(monitor: str, mode: str, model: Any = None) -> str:
    """``"min"`` or ``"max"``: ``mode`` itself unless it is ``"auto"``, else inferred for ``monitor``."""
    if mode in ("min", "max"):
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("loss"):
        return "min"
    for metric in _model_metrics(model):
        direction = getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return "max" if direction == "up" else "min"
    lowered = name.lower()
    if "acc" in lowered or "auc" in lowered:
        return "max"
    if _RISING_TOKENS.intersection(lowered.split("_")):
        return "max"
    return "min"


def _model_metrics(model: Any) -> list[Any]:
    metrics = getattr(model, "metrics", None)
    if not isinstance(metrics, list | tuple):
        return []
    flat: list[Any] = []
    for metric in metrics:
        inner = getattr(metric, "metrics", None)
        flat.extend(inner if isinstance(inner, list | tuple) else [metric])
    return flat


def warn_missing(what: str, monitor: str, logs: dict[str, Any] | None) -> None:
    """Warn that ``monitor`` is not in ``logs``, listing the keys that are (Keras's wording)."""
    available = ",".join(logs or {})
    warnings.warn(
        f"{what} conditioned on metric `{monitor}` which is not available. Available metrics are: {available}",
        stacklevel=3,
    )
