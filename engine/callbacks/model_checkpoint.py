"""ModelCheckpoint: save the model or its weights every epoch (or N batches), or only when best.

Paths ending in ``.npz`` get the weights written here, as ``numpy.savez`` of
``model.get_weights()`` in order, atomically (a temporary file in the same folder,
then ``os.replace``), so an interrupted save never leaves a truncated checkpoint.
Other paths go through ``model.save`` / ``model.save_weights``.
"""

from __future__ import annotations

import os
import string
import tempfile
import warnings
from typing import Any

import numpy

from engine.backend import to_numpy
from engine.callbacks._monitor import check_mode, resolve_mode
from engine.callbacks.base import Callback, Logs
from engine.errors import ConfigError, ModelFileError


class ModelCheckpoint(Callback):
    """Save the model (or weights) as training runs.

    Args:
        filepath: where to save; may hold ``str.format`` fields filled with ``epoch`` (from 1),
            ``batch`` (from 1, with an integer ``save_freq``) and the logs keys, e.g.
            ``"w.{epoch:02d}-{val_loss:.2f}.h5"``. Its folder is created when missing.
        monitor: the logs key ``save_best_only`` compares.
        verbose: 1 prints a line for each save decision.
        save_best_only: save only when ``monitor`` improves on the best so far (without
            ``{epoch}`` in the path, the file is overwritten by each new best). If ``monitor``
            is missing from the logs, it saves anyway, with a warning.
        save_weights_only: call ``model.save_weights`` instead of ``model.save``.
        mode: "min", "max" or "auto" (direction inferred from the monitor's name).
        save_freq: "epoch", or an integer: save after every that many training batches.
        initial_value_threshold: the value the first save must beat under ``save_best_only``.
    """

    def __init__(  # noqa: PLR0917 - Keras's positional signature
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
    ) -> None:
        super().__init__()
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq < 1):
            raise ConfigError(
                f"ModelCheckpoint expects save_freq to be 'epoch' or a positive integer, received {save_freq!r}"
            )
        self.filepath = os.fspath(filepath)
        self._check_template(self.filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = check_mode("ModelCheckpoint", mode)
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best: float | None = initial_value_threshold
        self._direction: str | None = None
        self._current_epoch = 0
        self._batches_since_save = 0
        self._last_batch_seen = -1

    @staticmethod
    def _check_template(filepath: str) -> None:
        try:
            list(string.Formatter().parse(filepath))
        except ValueError as error:
            raise ConfigError(f"ModelCheckpoint filepath {filepath!r} is not a valid format string: {error}") from None

    def _setup(self) -> None:
        # The best value survives across fit calls (as in Keras): a resumed run keeps its record.
        self._direction = resolve_mode(self.monitor, self.mode, self.model)
        if self.best is None:
            self.best = float("inf") if self._direction == "min" else -float("inf")

    def on_train_begin(self, logs: Logs = None) -> None:
        self._setup()
        self._batches_since_save = 0
        self._last_batch_seen = -1

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._current_epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch: int) -> bool:
        if self.save_freq == "epoch":
            return False
        # A batch index that does not grow means a new epoch began (batches count from 0).
        seen = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_since_save += seen
        self._last_batch_seen = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            return True
        return False

    def _is_improvement(self, value: float) -> bool:
        if self._direction is None:
            self._setup()
        return bool(value < self.best) if self._direction == "min" else bool(value > self.best)

    def _should_save(self, epoch: int, logs: dict[str, Any], filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=4)
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                    f"saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: Logs) -> None:
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise ModelFileError(
                f"ModelCheckpoint needs a file path, but {filepath!r} is an existing directory; "
                "add a file name such as 'model.{epoch:02d}.h5'"
            )
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if filepath.endswith(".npz"):
            save_weights_npz(self.model, filepath)
        elif self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict[str, Any]) -> str:
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError) as error:
            raise ConfigError(
                f"ModelCheckpoint could not fill filepath {self.filepath!r}: field {error} is not in the logs; "
                f"available fields are {sorted(fields)}"
            ) from None


def save_weights_npz(model: Any, filepath: str) -> None:
    """Write ``model.get_weights()`` to ``filepath`` as an ``.npz`` (arr_0, arr_1, ... in order), atomically."""
    weights = [to_numpy(w) for w in model.get_weights()]
    folder = os.path.dirname(os.path.abspath(filepath))
    handle, temp_path = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            numpy.savez(stream, *weights)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_path, filepath)
    except BaseException:
        if os.path.exists(temp_path):
            os.remove(temp_path)
        raise


def load_weights_npz(filepath: str | os.PathLike[str]) -> list[Any]:
    """The weights list written by :func:`save_weights_npz`, in ``set_weights`` order."""
    try:
        with numpy.load(os.fspath(filepath)) as archive:
            return [archive[f"arr_{index}"] for index in range(len(archive.files))]
    except (OSError, ValueError, KeyError) as error:
        raise ModelFileError(f"Cannot read weights checkpoint {os.fspath(filepath)!r}: {error}") from None
