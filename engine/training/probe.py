"""The ``fit`` callback that turns a training session's loop into events and gives it the thread between batches.

``TrainingSession`` owns a run's controls and its commands; this probe is the other half, inside ``fit``:
it measures each batch (loss, speed, ETA, gradient and weight norms, device memory), reports it through
the session's ``_emit``, and at every batch boundary hands control to ``TrainingSession._between_batches``
(pause, step, queued changes, stop). The events are listed in :mod:`engine.training.session`. Qt-free.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from engine.autograd.tensor import Tensor
from engine.backend import xp
from engine.callbacks import Callback
from engine.training import data as data_module
from engine.training import placement

if TYPE_CHECKING:
    from engine.training.session import TrainingSession


class Probe(Callback):
    """The callback that reports the loop's progress and hands the thread to the session between batches."""

    def __init__(self, session: TrainingSession) -> None:
        super().__init__()
        self.session = session
        session._probe_ref = self
        self.reason = ""
        self.began = False
        self.stepping = False
        self.epoch = 0
        self.step = 0
        self.global_step = 0
        self.steps = 1
        self.epochs = 1
        self.batch_size = 0
        self._prev_total = 0.0
        self._prev_count = 0
        self._train_time = 0.0
        self._batch_started = 0.0
        self._rate = 0.0
        self._epoch_started = 0.0
        self._run_started = 0.0
        self._grad_sq: dict[int, Any] = {}  # per variable: the sum of squared gradient norms, on the device
        self._grad_batches = 0
        self._patched: Any = None

    # The optimizer reports the real training gradients; only their norms are kept.
    def _attach_gradient_probe(self) -> None:
        optimizer = self.model.optimizer
        original = optimizer.apply_gradients

        def apply_gradients(grads_and_vars: Any) -> int:
            # The sums stay on the device (0-d arrays): read once per epoch, never a sync per batch.
            pairs = list(grads_and_vars)
            sums = self._grad_sq
            for grad, variable in pairs:
                if grad is not None:
                    flat = xp.ravel(grad.data if isinstance(grad, Tensor) else grad)
                    square = xp.dot(flat, flat)
                    before = sums.get(id(variable))
                    sums[id(variable)] = square if before is None else before + square
            self._grad_batches += 1
            return original(pairs)

        optimizer.apply_gradients = apply_gradients
        self._patched = optimizer

    def detach(self) -> None:
        if self._patched is not None:
            vars(self._patched).pop("apply_gradients", None)
            self._patched = None
        self.session._probe_ref = None

    def exclude(self, seconds: float) -> None:
        """Paused time does not count towards speed and ETA."""
        self._batch_started += seconds
        self._epoch_started += seconds

    def on_train_begin(self, logs: Any = None) -> None:
        self.began = True
        self.epochs = int(self.params.get("epochs", 1))
        self.steps = int(self.params.get("steps") or 1)
        settings = self.session.settings
        if settings.track_gradients:
            self._attach_gradient_probe()
        self._run_started = time.perf_counter()
        samples = _sample_count(self.session.x)
        split = 0.0 if self.session.validation_data is not None else settings.validation_split
        self.session._emit("started", epochs=self.epochs, steps=self.steps,
                           samples=samples - int(samples * split) if split else samples,
                           batch_size=settings.batch_size, settings=settings.to_dict(),
                           device=self._where().description, devices=list(self._where().names))  # fmt: skip

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.epoch = epoch
        self._prev_total, self._prev_count = 0.0, 0
        self._grad_sq.clear()
        self._grad_batches = 0
        self._epoch_started = time.perf_counter()
        if self.session.settings.reset_states_every_epoch and hasattr(self.model, "reset_states"):
            self.model.reset_states()

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.step = batch
        self.session._between_batches(self)
        if self.session._stop.is_set():
            self.model.stop_training = True
        self._batch_started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        now = time.perf_counter()
        elapsed = max(now - self._batch_started, 1e-9)
        self._train_time += elapsed
        model = self.model
        total, count = model._loss_tracker_total, model._loss_tracker_count
        size = max(count - self._prev_count, 1)
        batch_loss = (total - self._prev_total) / size
        self._prev_total, self._prev_count = total, count
        self.batch_size = max(self.batch_size, size)
        rate = size / elapsed
        self._rate = rate if self._rate == 0 else 0.9 * self._rate + 0.1 * rate
        self.global_step += 1
        self.session.result.batch_losses.append(batch_loss)
        lr = _learning_rate(model)
        self.session._emit("batch", epoch=self.epoch, step=batch, steps=self.steps,
                           global_step=self.global_step, loss=batch_loss, logs=dict(logs or {}), lr=lr,
                           samples_per_s=self._rate, eta_s=self._eta(batch + 1),
                           **self._memory(placement.MEMORY_EVERY_S))  # fmt: skip
        if not math.isfinite(batch_loss) and self.reason != "nan":
            self._non_finite(batch_loss, batch)
        if self.stepping:
            self.stepping = False
            self.session._emit("stepped", loss=batch_loss)
        if self.session._stop.is_set():
            model.stop_training = True
            if not self.reason:
                self.reason = "stopped"

    def _non_finite(self, value: float, batch: int) -> None:
        where = f"epoch {self.epoch + 1}, batch {batch + 1}"
        advice = "Try a lower learning rate, gradient clipping (clipnorm) or check the data for NaNs."
        if not self.session.settings.terminate_on_nan:
            self.session._emit("log", level="warning", message=f"The loss became {value} at {where}; that "
                               f"update was skipped and training goes on. {advice}")  # fmt: skip
            return
        self.reason = "nan"
        self.session._emit("log", level="error", message=f"The loss became {value} at {where}: training stopped "
                           f"(TerminateOnNaN). That batch's update was skipped, so the weights are the last good "
                           f"ones. {advice}")  # fmt: skip
        self.model.stop_training = True

    def _where(self) -> placement.Placement:
        return self.session.placement or placement.Placement(self.model, "", [])

    def _memory(self, every_s: float | None) -> dict[str, Any]:
        """``{"device_memory": {gpu: bytes}}`` (throttled with ``every_s``), or {} when not due or on the CPU."""
        where = self.session.placement
        report = where.memory(every_s) if where is not None and where.gpus else None
        return {"device_memory": report} if report is not None else {}

    def _eta(self, done_in_epoch: int) -> float:
        per_batch = self._train_time / max(self.global_step, 1)
        remaining = (self.steps - done_in_epoch) + (self.epochs - self.epoch - 1) * self.steps
        return max(remaining, 0) * per_batch

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs = {} if logs is None else logs
        session = self.session
        settings = session.settings
        if settings.inference_train_loss and not _stateful(self.model):
            values = self.model.evaluate(session.x, session.y, batch_size=settings.batch_size, verbose=0,
                                         return_dict=True)  # fmt: skip
            logs["inference_loss"] = float(values["loss"])
        logs.setdefault("learning_rate", _learning_rate(self.model))
        grad_norms = self._layer_norms(self._grad_sq, scale=self._grad_batches) if self._grad_batches else {}
        weight_norms = self._layer_norms(None)
        for key, value in logs.items():
            if isinstance(value, int | float):
                session.result.history.setdefault(key, []).append(float(value))
        session.result.grad_norms.append(grad_norms)
        session._emit("epoch", epoch=epoch, logs={k: float(v) for k, v in logs.items() if isinstance(v, int | float)},
                      lr=_learning_rate(self.model), grad_norms=grad_norms, weight_norms=weight_norms,
                      eta_s=self._eta(self.steps), elapsed_s=time.perf_counter() - self._run_started,
                      device_memory=self._memory(None).get("device_memory", {}))  # fmt: skip
        line = "  ".join(f"{k} {v:.4g}" for k, v in logs.items() if isinstance(v, int | float) and k != "learning_rate")
        session._emit("log", level="info", message=f"Epoch {epoch + 1}/{self.epochs}: {line}")

    def _layer_norms(self, squares: dict[int, Any] | None, scale: int = 1) -> dict[str, float]:
        """Per layer: the root-mean-square over the epoch's batches of the gradient norm (or the weight norm)."""
        norms: dict[str, float] = {}
        for layer in self.model.layers:
            weights = layer.trainable_weights if squares is not None else layer.weights
            if not weights:
                continue
            if squares is not None:
                if not any(id(w) in squares for w in weights):
                    continue
                total = sum(float(squares[id(w)]) for w in weights if id(w) in squares)
                norms[layer.name] = math.sqrt(total / scale)
            else:
                norms[layer.name] = math.sqrt(sum(float(xp.dot(xp.ravel(w.data), xp.ravel(w.data))) for w in weights))
        return norms


def _learning_rate(model: Any) -> float:
    try:
        return float(model.optimizer.learning_rate)
    except (AttributeError, TypeError, ValueError):
        return float("nan")


def _stateful(model: Any) -> bool:
    return any(getattr(layer, "stateful", False) for layer in model.layers)


def _sample_count(x: Any) -> int:
    try:
        return int(data_module.num_samples(data_module.standardize(x)))
    except Exception:  # noqa: BLE001 - only used for display
        return 0
