"""``TrainingSession``: one interactive ``fit`` run that reports plain Python events. Qt-free.

The studio's training thread and the headless ``strata-train`` share this class. ``run()`` calls
``model.fit`` in the calling thread with a callback (:class:`engine.training.probe.Probe`) that turns
the training loop into events (``listener(kind, payload)`` with plain floats, ints and strings) and
that also gives other threads a safe place to act: between batches. ``pause``/``resume``/``stop``/``step``/
``set_learning_rate``/``set_trainable`` may be called from any thread; changes to the model are
queued and carried out by the training thread at the next batch boundary, so the model is never
touched by two threads at once.

Events (``kind``: payload keys):
    ``started``: epochs, steps, samples, batch_size, settings, device (e.g. "GPU 0 (NVIDIA H100)"),
        devices (the settings' device names; [] for the default device).
    ``batch``: epoch, step, steps, global_step, loss (that batch's loss), logs (the epoch's running
        means), lr, samples_per_s, eta_s; every few seconds also device_memory (bytes in use per GPU).
    ``epoch``: epoch, logs (including ``val_*``, ``learning_rate`` and ``inference_loss`` when
        asked), lr, grad_norms (per layer, RMS over the epoch's batches) and weight_norms, eta_s, elapsed_s,
        device_memory (bytes in use per GPU name; {} on the CPU).
    ``paused`` / ``resumed``: epoch, step.
    ``marker``: global_step, epoch, text (a change made while paused, e.g. a new learning rate).
    ``stepped``: loss (of the single batch run by ``step``).
    ``log``: level ("info", "warning", "error"), message.
    ``finished``: reason ("completed", "stopped", "early_stopping", "nan", "error"), epochs_run,
        history, error (message or ""), elapsed_s.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from engine.callbacks import Callback, EarlyStopping, ModelCheckpoint, ReduceLROnPlateau
from engine.training import data as data_module
from engine.training import placement
from engine.training.probe import Probe

Listener = Callable[[str, dict[str, Any]], None]
_POLL_S = 0.05  # how often a paused run looks for commands


@dataclass
class TrainingSettings:
    """What a run does besides the compile settings: the Keras ``fit`` arguments and callbacks.

    ``early_stopping``, ``checkpoint`` and ``reduce_lr`` are ``None`` (off) or dicts of the matching
    Keras callback's arguments (``checkpoint`` takes ``folder`` instead of ``filepath``). ``devices``: ``[]``
    for the engine's default device (the CPU under NumPy), ``["/gpu:0"]`` for one GPU, several GPUs for
    data parallelism (see :mod:`engine.training.placement`).
    """

    epochs: int = 10
    batch_size: int | None = 32
    validation_split: float = 0.0
    shuffle: bool = True
    seed: int | None = None
    early_stopping: dict[str, Any] | None = None
    checkpoint: dict[str, Any] | None = None
    reduce_lr: dict[str, Any] | None = None
    terminate_on_nan: bool = True
    reset_states_every_epoch: bool = False
    inference_train_loss: bool = False
    track_gradients: bool = True
    devices: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if isinstance(self.devices, str):  # a single name, e.g. from a hand-edited file
            self.devices = [self.devices]
        self.devices = [str(name) for name in self.devices or []]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> TrainingSettings:
        """Settings from a saved dict; unknown keys (from newer versions) are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (values or {}).items() if k in names})


@dataclass
class RunResult:
    """What a finished run leaves behind: why it ended, its per-epoch history, batch losses and markers."""

    reason: str = ""
    epochs_run: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    batch_losses: list[float] = field(default_factory=list)
    markers: list[dict[str, Any]] = field(default_factory=list)
    grad_norms: list[dict[str, float]] = field(default_factory=list)
    error: str = ""
    elapsed_s: float = 0.0


class TrainingSession:
    """One training run of ``model`` on ``(x, y)``; see the module docstring for the events.

    Args:
        model: a compiled engine model.
        x, y: training data (arrays, lists of arrays for several inputs, or ``HDF5Matrix``).
        settings: the run's settings (defaults: :class:`TrainingSettings`).
        validation_data: ``(x_val, y_val)``; takes precedence over ``settings.validation_split``.
        virtual_devices: several ``settings.devices`` become replicas on the current device (the
            data-parallel code path without GPUs, for tests).
    """

    def __init__(
        self,
        model: Any,
        x: Any,
        y: Any,
        settings: TrainingSettings | None = None,
        validation_data: tuple[Any, Any] | None = None,
        virtual_devices: bool = False,
    ) -> None:
        self.model = model
        self.x, self.y = x, y
        self.settings = settings or TrainingSettings()
        self.validation_data = validation_data
        self.result = RunResult()
        self._listeners: list[Listener] = []
        self._running = threading.Event()  # set while the run may proceed (cleared = paused)
        self._running.set()
        self._stop = threading.Event()
        self._commands: queue.Queue[Callable[[], None]] = queue.Queue()
        self._step_budget = 0
        self.is_running = False
        self._step_cursor = 0
        self.virtual_devices = virtual_devices
        self.placement: placement.Placement | None = None

    # -- listeners ----------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, kind: str, **payload: Any) -> None:
        for listener in list(self._listeners):
            listener(kind, payload)

    # -- controls (any thread) --------------------------------------------------
    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        """Pause before the next batch (the current one finishes)."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        """End the run after the current batch; the weights trained so far stay in the model."""
        self._stop.set()
        self._running.set()

    def step(self) -> None:
        """While paused, run exactly one more batch of the run and pause again."""
        self._commands.put(self._grant_step)

    def set_learning_rate(self, value: float) -> None:
        """Change the optimizer's learning rate at the next batch boundary (marked on the curves)."""
        self._commands.put(lambda: self._apply_learning_rate(float(value)))

    def set_trainable(self, layer_names: list[str], trainable: bool) -> None:
        """Freeze or unfreeze layers at the next batch boundary, keeping the optimizer's state."""
        self._commands.put(lambda: self._apply_trainable(list(layer_names), bool(trainable)))

    # -- the run (training thread) ----------------------------------------------
    def run(self) -> RunResult:
        """Train; never raises for a training failure (the result and a ``finished`` event say why)."""
        from engine.utils.seeding import set_random_seed

        settings = self.settings
        self.is_running = True
        self.result = RunResult()
        started = time.perf_counter()
        probe = Probe(self)
        try:
            if settings.seed is not None:
                set_random_seed(int(settings.seed))
            callbacks = [probe, *self._engine_callbacks()]
            with warnings.catch_warnings(record=True) as caught, self._placed() as where:
                warnings.simplefilter("always")
                where.model.fit(
                    self.x,
                    self.y,
                    batch_size=settings.batch_size,
                    epochs=int(settings.epochs),
                    verbose=0,
                    callbacks=callbacks,
                    validation_split=0.0 if self.validation_data is not None else float(settings.validation_split),
                    validation_data=self.validation_data,
                    shuffle=settings.shuffle,
                )
            for warning in caught:
                self._emit("log", level="warning", message=str(warning.message))
            reason = probe.reason or ("early_stopping" if _early_stopped(callbacks) else "completed")
        except Exception as error:  # noqa: BLE001 - any failure is reported, the app keeps running
            reason = "error"
            self.result.error = f"{type(error).__name__}: {error}"
            where = f" (epoch {probe.epoch + 1}, batch {probe.step + 1})" if probe.began else ""
            self._emit("log", level="error", message=f"Training failed{where}: {self.result.error}")
        finally:
            probe.detach()
            self.is_running = False
        self.result.reason = reason
        self.result.elapsed_s = time.perf_counter() - started
        self.result.epochs_run = len(next(iter(self.result.history.values()), []))
        self._emit("finished", reason=reason, epochs_run=self.result.epochs_run,
                   history={k: list(v) for k, v in self.result.history.items()},
                   error=self.result.error, elapsed_s=self.result.elapsed_s)  # fmt: skip
        return self.result

    def train_one_batch(self) -> float:
        """Outside a run: one ``train_on_batch`` on the next batch of the data; returns its loss."""
        batch = self.settings.batch_size or 32
        count = data_module.num_samples(data_module.standardize(self.x))
        start = self._step_cursor if self._step_cursor < count else 0
        rows = slice(start, min(start + batch, count))
        self._step_cursor = rows.stop
        with self._placed() as where:
            loss = where.model.train_on_batch(_rows(self.x, rows), _rows(self.y, rows))
        value = float(loss[0] if isinstance(loss, list) else loss)
        self._emit("stepped", loss=value)
        return value

    @contextlib.contextmanager
    def _placed(self) -> Iterator[placement.Placement]:
        """The model on the settings' devices for the run (see :func:`placement.placed`); kept for the events."""
        with placement.placed(self.model, self.settings.devices, self.virtual_devices) as where:
            self.placement = where
            try:
                yield where
            finally:
                self.placement = None

    def _engine_callbacks(self) -> list[Callback]:
        settings = self.settings
        found: list[Callback] = []  # terminate_on_nan is the probe's job: it can say where it happened
        if settings.early_stopping:
            found.append(EarlyStopping(**settings.early_stopping))
        if settings.reduce_lr:
            found.append(ReduceLROnPlateau(**settings.reduce_lr))
        if settings.checkpoint:
            options = dict(settings.checkpoint)
            folder = Path(options.pop("folder", "checkpoints"))
            name = getattr(self.model, "name", "model")
            pattern = f"{name}_best.h5" if options.get("save_best_only") else f"{name}_epoch{{epoch:03d}}.h5"
            found.append(_PlainModelCheckpoint(str(folder / pattern), **options))
        return found

    # -- commands, run by the training thread between batches ------------------
    def _between_batches(self, probe: Probe) -> None:
        self._drain_commands()
        if self._step_budget > 0:
            self._step_budget -= 1
            probe.stepping = True
            return
        if self.paused and not self._stop.is_set():
            paused_at = time.perf_counter()
            self._emit("paused", epoch=probe.epoch, step=probe.step)
            while self.paused and not self._stop.is_set():
                self._running.wait(_POLL_S)
                self._drain_commands()
                if self._step_budget > 0:
                    self._step_budget -= 1
                    probe.stepping = True
                    break
            probe.exclude(time.perf_counter() - paused_at)
            if not self.paused:
                self._emit("resumed", epoch=probe.epoch, step=probe.step)

    def _drain_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                command()
            except Exception as error:  # noqa: BLE001 - a bad value is reported, the run goes on
                self._emit("log", level="error", message=f"{type(error).__name__}: {error}")

    def _grant_step(self) -> None:
        if self.paused:
            self._step_budget += 1

    def _apply_learning_rate(self, value: float) -> None:
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"the learning rate must be a positive number, received {value}")
        self.model.optimizer.learning_rate = value
        self._mark(f"learning rate → {value:g}")

    def _apply_trainable(self, names: list[str], trainable: bool) -> None:
        layers = {layer.name: layer for layer in self.model.layers}
        missing = [n for n in names if n not in layers]
        if missing:
            raise ValueError(f"no layer named {', '.join(missing)} in model '{self.model.name}'")
        for name in names:
            layers[name].trainable = trainable
        # A recompile that keeps the optimizer (and its slots): the loop reads this list every batch.
        self.model._compiled_trainable = list(self.model.trainable_weights)
        if self.placement is not None:  # a replica set shares the weights; its loop reads its own list
            self.placement.model._compiled_trainable = list(self.model.trainable_weights)
        self._mark(f"{'unfroze' if trainable else 'froze'} {', '.join(names)}")

    def _mark(self, text: str) -> None:
        probe = self._probe_ref
        marker = {"global_step": probe.global_step if probe else 0, "epoch": probe.epoch if probe else 0,
                  "text": text}  # fmt: skip
        self.result.markers.append(marker)
        self._emit("marker", **marker)
        self._emit("log", level="info", message=f"Epoch {marker['epoch'] + 1}: {text}")

    _probe_ref: Probe | None = None


class _PlainModelCheckpoint(ModelCheckpoint):
    """Checkpoints of a multi-GPU run save the plain model, never the replica wrapper (Keras's FAQ advice)."""

    def set_model(self, model: Any) -> None:
        from engine.parallel import DataParallelModel

        super().set_model(model.template if isinstance(model, DataParallelModel) else model)


def _early_stopped(callbacks: list[Callback]) -> bool:
    return any(isinstance(c, EarlyStopping) and c.stopped_epoch > 0 for c in callbacks)


def _rows(value: Any, rows: slice) -> Any:
    if isinstance(value, list | tuple):
        return [v[rows] for v in value]
    if isinstance(value, dict):
        return {k: v[rows] for k, v in value.items()}
    return value[rows]
