"""The callback protocol of the training loop and the list that dispatches it.

A :class:`Callback` overrides the hooks it cares about; :class:`CallbackList`
calls every hook on every callback, in order, and owns the History (and the
ProgbarLogger when the run is verbose). Hook names, arguments and the logs
dicts follow Keras, so Keras callbacks port over unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.errors import ConfigError

Logs = dict[str, Any] | None


class Callback:
    """Base class of training callbacks: every hook is a no-op until overridden.

    Attributes:
        params: ``{"epochs", "steps", "verbose"}`` of the current run, from ``set_params``.
        model: the model being trained, from ``set_model``.
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params

    def set_model(self, model: Any) -> None:
        self._model = model

    @property
    def model(self) -> Any:
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        # Keras 2 callbacks assign self.model in their own set_model.
        self._model = model

    # Keras 2 names: the train-batch hooks call these so old callbacks keep working.
    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Alias of ``on_train_batch_begin`` kept for Keras 2 callbacks."""

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Alias of ``on_train_batch_end`` kept for Keras 2 callbacks."""

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        """Called at the start of each epoch (``epoch`` counts from 0)."""

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        """Called after each epoch with its training and validation results."""

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after each training batch; logs hold the epoch's running means so far."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before each batch of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after each batch of ``evaluate`` (and of validation inside ``fit``)."""

    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        """Called before each batch of ``predict``."""

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        """Called after each batch of ``predict``."""

    def on_train_begin(self, logs: Logs = None) -> None:
        """Called once when ``fit`` starts."""

    def on_train_end(self, logs: Logs = None) -> None:
        """Called once when ``fit`` ends, also when a callback stopped it early."""

    def on_test_begin(self, logs: Logs = None) -> None:
        """Called when ``evaluate`` (or a validation pass) starts."""

    def on_test_end(self, logs: Logs = None) -> None:
        """Called when ``evaluate`` (or a validation pass) ends."""

    def on_predict_begin(self, logs: Logs = None) -> None:
        """Called when ``predict`` starts."""

    def on_predict_end(self, logs: Logs = None) -> None:
        """Called when ``predict`` ends."""


def _as_python(value: Any) -> Any:
    """A scalar log value as a Python float (NumPy/CuPy scalars and 0-d arrays included)."""
    if isinstance(value, float):
        return value
    if getattr(value, "ndim", 0) == 0 and not isinstance(value, str | bytes):
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    return value


def _pythonify(logs: Logs) -> dict[str, Any]:
    """A copy of ``logs`` with scalar values as Python floats, so callbacks never hold device arrays."""
    return {key: _as_python(value) for key, value in (logs or {}).items()}


class CallbackList(Callback):
    """Calls each hook on every callback in order; owns the run's History and ProgbarLogger.

    Args:
        callbacks: the user's callbacks (any iterable of :class:`Callback`, or None).
        add_history: append a History unless the list already holds one.
        add_progbar: append a ProgbarLogger unless the list already holds one (``fit`` passes
            ``verbose != 0``).
        model: the model; it is given to every callback and ``model.history`` is set to the History.
        **params: ``epochs``, ``steps`` and ``verbose``, passed to every callback's ``set_params``.
    """

    def __init__(
        self,
        callbacks: Iterable[Callback] | None = None,
        add_history: bool = True,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ) -> None:
        super().__init__()
        self.callbacks: list[Callback] = []
        for index, callback in enumerate(callbacks or []):
            if not isinstance(callback, Callback):
                raise ConfigError(
                    f"callbacks[{index}] must be an instance of engine.callbacks.Callback, "
                    f"received {type(callback).__name__}: {callback!r}"
                )
            self.callbacks.append(callback)
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        from engine.callbacks.history import History
        from engine.callbacks.progbar import ProgbarLogger

        self._history: History | None = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar: ProgbarLogger | None = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    @property
    def history(self) -> Any:
        """The History callback of this run (None when built with ``add_history=False``)."""
        return self._history

    def append(self, callback: Callback) -> None:
        """Add a callback at the end, giving it the list's model and params."""
        if not isinstance(callback, Callback):
            raise ConfigError(f"CallbackList.append expects a Callback, received {type(callback).__name__}")
        self.callbacks.append(callback)
        if self._model is not None:
            callback.set_model(self._model)
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params: dict[str, Any]) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    # Epoch and run hooks pass one shared dict, so a key a callback adds (learning_rate) reaches
    # the callbacks after it, History included, as in Keras.
    def _call_shared(self, hook: str, *args: Any, logs: Logs, convert: bool = True) -> None:
        logs = {} if logs is None else logs
        if convert:
            for key, value in logs.items():
                logs[key] = _as_python(value)
        for callback in self.callbacks:
            getattr(callback, hook)(*args, logs)

    def _call_batch(self, hook: str, batch: int, logs: Logs, convert: bool = True) -> None:
        logs = _pythonify(logs) if convert else (logs or {})
        for callback in self.callbacks:
            getattr(callback, hook)(batch, logs=logs)

    def on_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_batch_end", batch, logs)

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._call_shared("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._call_shared("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_test_batch_end", batch, logs)

    # Predict logs carry output arrays, which must stay arrays.
    def on_predict_batch_begin(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_predict_batch_begin", batch, logs, convert=False)

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._call_batch("on_predict_batch_end", batch, logs, convert=False)

    def on_train_begin(self, logs: Logs = None) -> None:
        self._call_shared("on_train_begin", logs=logs)

    def on_train_end(self, logs: Logs = None) -> None:
        self._call_shared("on_train_end", logs=logs)

    def on_test_begin(self, logs: Logs = None) -> None:
        self._call_shared("on_test_begin", logs=logs)

    def on_test_end(self, logs: Logs = None) -> None:
        self._call_shared("on_test_end", logs=logs)

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._call_shared("on_predict_begin", logs=logs, convert=False)

    def on_predict_end(self, logs: Logs = None) -> None:
        self._call_shared("on_predict_end", logs=logs, convert=False)
