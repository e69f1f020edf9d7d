"""``Trainer``: compile, fit, evaluate and predict, mixed into ``Model``.

Semantics follow the Keras FAQ: the reported training loss is the mean of the
batch losses over the epoch (the model changes during the epoch) and includes
regularization penalties; validation runs at epoch end in inference mode; a
change of ``trainable`` takes effect at the next ``compile()``; the training
flag switches Dropout and noise layers on for training only.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from engine.autograd import gradients, no_grad
from engine.backend import to_backend, to_numpy, xp
from engine.errors import ConfigError, DataError, NotBuiltError
from engine.layers.node import flatten
from engine.training import data as data_module
from engine.training.compile_utils import LossContainer, MetricsContainer


class Trainer:
    """Training and inference entry points shared by every model."""

    def __init__(self) -> None:
        self.optimizer: Any = None
        self.compiled = False
        self.stop_training = False
        self.history: Any = None
        self._loss_container: LossContainer | None = None
        self._metrics_container: MetricsContainer | None = None
        self._compiled_trainable: list[Any] | None = None
        self._compile_args: dict[str, Any] = {}
        self._loss_tracker_total = 0.0
        self._loss_tracker_count = 0

    # -- compile -------------------------------------------------------------
    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Any = None,
        loss_weights: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: Any = None,
        steps_per_execution: Any = None,
        jit_compile: Any = None,
        **kwargs: Any,
    ) -> None:
        """Configure the model for training; also freezes the set of trainable weights."""
        from engine import optimizers  # noqa: PLC0415

        if kwargs:
            raise ConfigError(f"compile() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        self.optimizer = optimizers.get(optimizer)
        self._compile_args = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                              "weighted_metrics": weighted_metrics}  # fmt: skip
        self._loss_container = None
        self._metrics_container = None
        if self.built:
            self._finish_compile()
        self._compiled_trainable = list(self.trainable_weights) if self.built else None
        self.compiled = True

    def _finish_compile(self) -> None:
        """Resolve losses and metrics once the outputs (and their shapes) are known."""
        names = self.output_names
        shapes = [t.shape for t in self.outputs]
        args = self._compile_args
        self._loss_container = LossContainer(args["loss"], args["loss_weights"], names)
        self._metrics_container = MetricsContainer(args["metrics"], args["weighted_metrics"],
                                                   self._loss_container, shapes)  # fmt: skip

    def _require_compiled(self, what: str) -> None:
        if not self.compiled:
            raise NotBuiltError(
                f"Model '{self.name}' must be compiled before {what}: call model.compile(optimizer, loss)."
            )

    def _ensure_built_for(self, x: Any) -> None:
        if self.built and self._graph is not None:
            return
        first = next(iter(flatten(x))) if isinstance(x, (list, tuple, dict)) else x
        if not hasattr(first, "shape"):
            raise DataError(f"Cannot infer the input shape of model '{self.name}' from {type(first).__name__} data.")
        self.build(tuple(first.shape))

    def _prepare_compiled_state(self) -> None:
        if self._loss_container is None:
            self._finish_compile()
        if self._compiled_trainable is None:
            self._compiled_trainable = list(self.trainable_weights)

    # -- one step ---------------------------------------------------------------
    def _split_targets(self, y: Any) -> list[Any]:
        if y is None:
            return [None] * len(self.outputs)
        if isinstance(y, dict):
            return [y.get(n) for n in self.output_names]
        if isinstance(y, (list, tuple)) and len(self.outputs) > 1:
            return list(y)
        return [y]

    def _forward_loss(self, x: Any, y: Any, sample_weight: Any, training: bool) -> tuple[Any, list, list, list]:
        """Run the model and return (total loss incl. penalties, outputs, targets, sample weights)."""
        self._clear_activity_losses()
        outputs = list(flatten(self(x, training=training)))
        y_true = self._split_targets(y)
        if isinstance(sample_weight, (list, dict)):
            weights = self._split_targets(sample_weight)
        else:
            weights = [sample_weight] * len(outputs)
        total, _ = self._loss_container(y_true, outputs, weights)
        for penalty in self.losses:
            total = total + penalty
        return total, outputs, y_true, weights

    def _train_step(self, x: Any, y: Any, sample_weight: Any) -> float:
        y, sample_weight = to_backend(y), to_backend(sample_weight)  # one copy each, shared by losses and metrics
        variables = self._compiled_trainable
        watched = {id(v) for v in variables}
        for v in self.weights:
            v.requires_grad = id(v) in watched
        try:
            total, outputs, y_true, weights = self._forward_loss(x, y, sample_weight, training=True)
            grads = gradients(total, variables)
        finally:
            for v in variables:
                v.requires_grad = False
        value = float(total.data)
        # A NaN/inf loss skips the update, so the weights stay at the last good values
        # (TerminateOnNaN then stops the run; Keras would have written NaNs into them).
        if math.isfinite(value):
            self.optimizer.apply_gradients(zip(grads, variables))
        with no_grad():
            self._metrics_container.update(y_true, [o.data for o in outputs], weights)
        return value

    def _test_step(self, x: Any, y: Any, sample_weight: Any) -> float:
        y, sample_weight = to_backend(y), to_backend(sample_weight)
        with no_grad():
            total, outputs, y_true, weights = self._forward_loss(x, y, sample_weight, training=False)
            self._metrics_container.update(y_true, [o.data for o in outputs], weights)
        return float(total.data)

    def _track_loss(self, value: float, batch_size: int) -> None:
        self._loss_tracker_total += value * batch_size
        self._loss_tracker_count += batch_size

    def _reset_trackers(self) -> None:
        self._loss_tracker_total = 0.0
        self._loss_tracker_count = 0
        self._metrics_container.reset()

    def _logs(self) -> dict[str, float]:
        logs = {"loss": self._loss_tracker_total / max(self._loss_tracker_count, 1)}
        logs.update(self._metrics_container.results())
        return logs

    # -- fit -----------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: Any = "auto",
        callbacks: list[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool | str = True,
        class_weight: dict | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
        **kwargs: Any,
    ) -> Any:
        """Train for ``epochs`` epochs; returns a ``History``. See the module docstring for semantics."""
        from engine.callbacks import CallbackList  # noqa: PLC0415

        for legacy in ("max_queue_size", "workers", "use_multiprocessing"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise ConfigError(f"fit() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        self._require_compiled("fit()")
        verbose = 1 if verbose == "auto" else int(verbose)
        if shuffle and any(getattr(layer, "stateful", False) for layer in _all_layers(self)):
            warnings.warn(
                f"Model '{self.name}' has stateful layers but fit() was called with shuffle=True: shuffling "
                "breaks the sample-to-sample state correspondence between batches. Pass shuffle=False.",
                UserWarning,
                stacklevel=2,
            )
        generator_input = data_module.is_generator_like(x)
        if validation_split and validation_data is None:
            if generator_input:
                raise DataError(
                    "validation_split is not supported for generator or Sequence data: pass validation_data."
                )
            x_std, y_std, sw_std = (
                data_module.standardize(x),
                data_module.standardize(y),
                data_module.standardize(sample_weight),
            )
            (x, y, sample_weight), validation_data = data_module.split_validation(
                x_std, y_std, sw_std, validation_split
            )
        batch_size = self._fixed_batch_size(batch_size)
        train = data_module.make_source(x, y, sample_weight, batch_size, shuffle, steps_per_epoch, class_weight)
        val = self._validation_source(validation_data, validation_batch_size or batch_size, validation_steps)
        callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=epochs, steps=train.steps)  # fmt: skip
        self.stop_training = False
        callback_list.on_train_begin()
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch)
            logs = self._run_epoch(train, callback_list)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_source(val, callback_list)
                logs.update({f"val_{key}": value for key, value in val_logs.items()})
            train.on_epoch_end()
            callback_list.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        callback_list.on_train_end(logs)
        return self.history

    def _run_epoch(self, source: Any, callback_list: Any) -> dict[str, float]:
        logs: dict[str, float] = {}
        built = False
        for step, (xb, yb, swb) in enumerate(source.epoch()):
            if not built:
                self._ensure_built_for(xb)
                self._prepare_compiled_state()
                self._reset_trackers()
                built = True
            callback_list.on_train_batch_begin(step)
            loss = self._train_step(xb, yb, swb)
            self._track_loss(loss, _batch_length(xb))
            logs = self._logs()
            callback_list.on_train_batch_end(step, logs)
            if self.stop_training:
                break
        return dict(logs)

    def _validation_source(self, validation_data: Any, batch_size: int, steps: int | None) -> Any:
        if validation_data is None:
            return None
        if data_module.is_generator_like(validation_data):
            return data_module.GeneratorSource(validation_data, steps)
        if not isinstance(validation_data, tuple) or len(validation_data) not in (2, 3):
            raise DataError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight_val).")
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        return data_module.ArraySource(vx, vy, vsw, batch_size, shuffle=False, steps=steps)

    def _fixed_batch_size(self, batch_size: int | None) -> int | None:
        fixed = self._stateful_batch_size()
        if fixed is not None:
            if batch_size is not None and batch_size != fixed:
                raise DataError(
                    f"Model '{self.name}' is stateful with a fixed batch size of {fixed}; "
                    f"received batch_size={batch_size}. Use batch_size={fixed}."
                )
            return fixed
        return batch_size

    def _stateful_batch_size(self) -> int | None:
        if not any(getattr(layer, "stateful", False) for layer in _all_layers(self)):
            return None
        for tensor in getattr(self, "inputs", []) or []:
            if tensor.shape and tensor.shape[0] is not None:
                return int(tensor.shape[0])
        return None

    # -- evaluate / predict ------------------------------------------------------
    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: Any = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: list[Any] | None = None,
        return_dict: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Loss (and metrics) in inference mode over the data."""
        from engine.callbacks import CallbackList  # noqa: PLC0415

        self._require_compiled("evaluate()")
        verbose = 1 if verbose == "auto" else int(verbose)
        source = data_module.make_source(x, y, sample_weight, self._fixed_batch_size(batch_size), False, steps)
        callback_list = CallbackList(callbacks, add_history=False, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=source.steps)  # fmt: skip
        logs = self._evaluate_source(source, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _evaluate_source(self, source: Any, callback_list: Any) -> dict[str, float]:
        callback_list.on_test_begin()
        logs: dict[str, float] = {}
        started = False
        saved = (self._loss_tracker_total, self._loss_tracker_count)
        saved_metrics = [
            (m, _metric_state(m)) for _, m, _ in (self._metrics_container.entries if self._metrics_container else [])
        ]
        for step, (xb, yb, swb) in enumerate(source.epoch()):
            if not started:
                self._ensure_built_for(xb)
                self._prepare_compiled_state()
                saved_metrics = [(m, _metric_state(m)) for _, m, _ in self._metrics_container.entries]
                self._reset_trackers()
                started = True
            callback_list.on_test_batch_begin(step)
            self._track_loss(self._test_step(xb, yb, swb), _batch_length(xb))
            logs = self._logs()
            callback_list.on_test_batch_end(step, logs)
        source.on_epoch_end()
        self._loss_tracker_total, self._loss_tracker_count = saved
        for metric, state in saved_metrics:
            _restore_metric_state(metric, state)
        callback_list.on_test_end(logs)
        return logs

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: Any = 0,
        steps: int | None = None,
        callbacks: list[Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Outputs for ``x`` in inference mode, batch by batch, as NumPy arrays."""
        from engine.callbacks import CallbackList  # noqa: PLC0415

        verbose = 0 if verbose == "auto" else int(verbose)
        source = data_module.make_source(x, None, None, self._fixed_batch_size(batch_size), False, steps)
        callback_list = CallbackList(callbacks, add_history=False, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=source.steps)  # fmt: skip
        callback_list.on_predict_begin()
        chunks: list[list[Any]] = []
        for step, (xb, _, _) in enumerate(source.epoch()):
            self._ensure_built_for(xb)
            callback_list.on_predict_batch_begin(step)
            with no_grad():
                outputs = [to_numpy(o.data) for o in flatten(self(xb, training=False))]
            chunks.append(outputs)
            callback_list.on_predict_batch_end(step, {"outputs": outputs})
        callback_list.on_predict_end()
        if not chunks:
            raise DataError("predict() received no data.")
        import numpy  # noqa: PLC0415 - results are returned as host arrays

        merged = [numpy.concatenate([c[i] for c in chunks], axis=0) for i in range(len(chunks[0]))]
        return merged[0] if len(merged) == 1 else merged

    # -- single batches ------------------------------------------------------------
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, class_weight: dict | None = None,
                       reset_metrics: bool = True, return_dict: bool = False) -> Any:  # fmt: skip
        """One gradient update on one batch; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch()")
        source = data_module.ArraySource(x, y, sample_weight, batch_size=data_module.num_samples(
            data_module.standardize(x)), class_weight=class_weight)  # fmt: skip
        xb, yb, swb = next(source.epoch())
        self._ensure_built_for(xb)
        self._prepare_compiled_state()
        if reset_metrics:
            self._reset_trackers()
        self._track_loss(self._train_step(xb, yb, swb), _batch_length(xb))
        return self._format_batch_logs(return_dict)

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None, reset_metrics: bool = True,
                      return_dict: bool = False) -> Any:  # fmt: skip
        self._require_compiled("test_on_batch()")
        self._ensure_built_for(data_module.standardize(x))
        self._prepare_compiled_state()
        if reset_metrics:
            self._reset_trackers()
        self._track_loss(self._test_step(data_module.standardize(x), data_module.standardize(y),
                                         sample_weight), _batch_length(x))  # fmt: skip
        return self._format_batch_logs(return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        x = data_module.standardize(x)
        self._ensure_built_for(x)
        with no_grad():
            outputs = [to_numpy(o.data) for o in flatten(self(x, training=False))]
        return outputs[0] if len(outputs) == 1 else outputs

    def _format_batch_logs(self, return_dict: bool) -> Any:
        logs = self._logs()
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # -- Keras 2 generator aliases ------------------------------------------------
    def fit_generator(self, generator: Any, steps_per_epoch: int | None = None, epochs: int = 1, **kwargs: Any) -> Any:
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, **kwargs)

    def evaluate_generator(self, generator: Any, steps: int | None = None, **kwargs: Any) -> Any:
        return self.evaluate(generator, steps=steps, **kwargs)

    def predict_generator(self, generator: Any, steps: int | None = None, **kwargs: Any) -> Any:
        return self.predict(generator, steps=steps, **kwargs)

    @property
    def metrics_names(self) -> list[str]:
        names = ["loss"]
        if self._metrics_container is not None:
            names += [m.name for _, m, _ in self._metrics_container.entries]
        return names


def _batch_length(x: Any) -> int:
    first = next(iter(flatten(x))) if isinstance(x, (list, tuple, dict)) else x
    return int(first.shape[0])


def _all_layers(model: Any) -> list[Any]:
    found = []
    for layer in getattr(model, "layers", []):
        found.append(layer)
        if hasattr(layer, "layers") and layer is not model:
            found.extend(_all_layers(layer))
        found.extend(layer._sublayers() if not hasattr(layer, "layers") else [])
    return found


def _metric_state(metric: Any) -> dict[str, Any]:
    return {k: (v.copy() if hasattr(v, "copy") else v) for k, v in vars(metric).items()}


def _restore_metric_state(metric: Any, state: dict[str, Any]) -> None:
    vars(metric).update(state)


_ = xp
