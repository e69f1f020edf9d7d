"""Training settings and run history stored next to a saved model. Qt-free.

They ride in two extra root attributes of the ``.h5`` file (``strata_training`` and
``strata_history``, JSON), which Keras ignores, the same way the canvas layout does.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import h5py

from engine.training.session import TrainingSettings

SETTINGS_ATTR = "strata_training"
HISTORY_ATTR = "strata_history"


def write_training_extras(path: str | Path, settings: TrainingSettings | None, history: Any = None) -> None:
    """Add the settings (and the last run's per-epoch history) to a saved ``.h5`` model."""
    with h5py.File(path, "a") as handle:
        if settings is not None:
            handle.attrs[SETTINGS_ATTR] = json.dumps(settings.to_dict())
        if history:
            handle.attrs[HISTORY_ATTR] = json.dumps({k: [float(v) for v in vs] for k, vs in history.items()})


def read_training_extras(path: str | Path) -> tuple[TrainingSettings | None, dict[str, list[float]] | None]:
    """The settings and history stored by :func:`write_training_extras` (None where absent)."""
    try:
        with h5py.File(path, "r") as handle:
            raw_settings = handle.attrs.get(SETTINGS_ATTR)
            raw_history = handle.attrs.get(HISTORY_ATTR)
    except OSError:
        return None, None
    settings = TrainingSettings.from_dict(_json(raw_settings)) if raw_settings is not None else None
    history = _json(raw_history) if raw_history is not None else None
    return settings, history


def write_history_csv(path: str | Path, history: dict[str, list[float]]) -> None:
    """One row per epoch: ``epoch`` (from 1) then every logged quantity, like Keras's CSVLogger."""
    keys = sorted(history)
    rows = max((len(v) for v in history.values()), default=0)
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["epoch", *keys])
        for i in range(rows):
            writer.writerow([i + 1, *(history[k][i] if i < len(history[k]) else "" for k in keys)])


def _json(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    try:
        return json.loads(str(value))
    except ValueError:
        return None


def write_extras(path: str | Path, extras: dict[str, Any]) -> None:
    """``{"settings": dict, "history": dict}`` (a document's ``training_extras``) into a saved ``.h5``."""
    settings = extras.get("settings")
    write_training_extras(path, TrainingSettings.from_dict(settings) if settings else None, extras.get("history"))


def read_extras(path: str | Path) -> dict[str, Any] | None:
    """The document-side form of :func:`read_training_extras` (None when the file has neither)."""
    settings, history = read_training_extras(path)
    if settings is None and not history:
        return None
    return {"settings": settings.to_dict() if settings else None, "history": history or {}}
