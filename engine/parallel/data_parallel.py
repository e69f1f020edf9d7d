"""``multi_gpu_model``: one replica per device, each batch split between them, one shared update.

Each step splits the batch as Keras does (equal slices, the last one taking the
remainder), runs every replica's forward and backward pass on its own device on
its slice, scales each replica's loss by its share of the batch, all-reduces the
gradients onto the first device (NCCL through CuPy when present, peer copies
otherwise) and applies one optimizer update to the original model's weights,
which are then broadcast to the replicas. So the weights stay identical on every
device and the gradient equals the whole-batch gradient up to float rounding.

BatchNormalization normalises each replica's slice with that slice's own batch
statistics, as Keras's ``multi_gpu_model`` does (no cross-replica sync); the
moving mean and variance are averaged over the replicas after each step.

``virtual=True`` runs the same code path with all replicas on the current device
(host NumPy replicas on the CPU): that is how the arithmetic is tested without GPUs.
"""

from __future__ import annotations

import math
from typing import Any

from engine.autograd import gradients, no_grad
from engine.backend import devices as devices_module
from engine.backend.collectives import Collective
from engine.errors import ConfigError
from engine.layers.node import flatten
from engine.models.functional import Model


def _batch_size(x: Any) -> int:
    for leaf in flatten(x) if isinstance(x, (list, tuple, dict)) else [x]:
        if hasattr(leaf, "shape"):
            return int(leaf.shape[0])
    raise ConfigError("multi_gpu_model: cannot find the batch size of the input data.")


def _slice(value: Any, start: int, stop: int) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: _slice(v, start, stop) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_slice(v, start, stop) for v in value)
    if hasattr(value, "shape") and len(value.shape) > 0:
        return value[start:stop]
    return value


def split_points(batch: int, parts: int) -> list[tuple[int, int]]:
    """Keras's slicing: ``batch // parts`` rows each, the last slice takes the rest; empty slices dropped."""
    step = batch // parts
    bounds = []
    for i in range(parts):
        start = i * step
        stop = batch if i == parts - 1 else start + step
        if stop > start:
            bounds.append((start, stop))
    return bounds


def _resolve_devices(gpus: Any, virtual: bool) -> list[devices_module.Device]:
    if isinstance(gpus, bool) or gpus is None:
        raise ConfigError(f"multi_gpu_model: gpus must be an int >= 2 or a list of GPU ids; received {gpus!r}.")
    ids = list(range(gpus)) if isinstance(gpus, int) else [devices_module.parse(g).index for g in gpus]
    if len(ids) < 2:
        raise ConfigError(
            f"multi_gpu_model: for multi-GPU usage to be effective, call it with gpus >= 2; received gpus={gpus!r}."
        )
    if virtual:
        here = devices_module.current_device()
        return [here] * len(ids)
    count, reason = devices_module.gpu_status()
    missing = [i for i in ids if i >= count]
    if missing:
        found = ", ".join(f"{d.name} ({d.description})" for d in devices_module.list_devices())
        raise ConfigError(
            f"multi_gpu_model: asked for GPUs {ids} but only {count} GPU(s) exist. Devices found: {found}. "
            f"{reason}".strip()
        )
    from engine.backend import backend  # noqa: PLC0415

    if backend() != "cupy":
        raise ConfigError("multi_gpu_model: GPUs need the CuPy backend: call engine.backend.set_backend('cupy').")
    return [devices_module.Device("gpu", i) for i in ids]


def _clone(model: Any) -> Any:
    config = model.get_config()
    return type(model).from_config(config)


class DataParallelModel(Model):
    """The model ``multi_gpu_model`` returns: it shares the original's layers and weights."""

    def __init__(self, model: Any, places: list[devices_module.Device], virtual: bool) -> None:
        if getattr(model, "_graph", None) is None or not model.inputs:
            raise ConfigError(
                f"multi_gpu_model: model '{model.name}' must be a built functional or Sequential model "
                "(replicas are rebuilt from its config)."
            )
        super().__init__(model.inputs, model.outputs, name=f"{model.name}_multi_gpu")
        self.template = model
        self.places = places
        self.virtual = virtual
        self.collective = Collective(places)
        self.replicas = [model]
        for place in places[1:]:
            with self._on(place):
                replica = _clone(model)
            self.replicas.append(replica)
        self._index = {id(v): i for i, v in enumerate(model.weights)}
        self._sync_replicas()

    # -- devices -------------------------------------------------------------------
    def _on(self, place: devices_module.Device) -> Any:
        import contextlib  # noqa: PLC0415

        if self.virtual:
            return contextlib.nullcontext()
        return devices_module.device(place)

    def _to_first(self, array: Any) -> Any:
        return array if self.virtual else devices_module.copy_to(array, self.places[0])

    def _sync_replicas(self) -> None:
        """Broadcast the original's weights to every replica (after each update)."""
        with no_grad():
            for index, master in enumerate(self.template.weights):
                copies = self.collective.broadcast(master.data)
                for replica, copy in zip(self.replicas[1:], copies[1:]):
                    target = replica.weights[index].data
                    if copy is not target:
                        target[...] = copy

    def _average_non_trainable(self) -> None:
        """Moving statistics: the mean over replicas, written into the original's weights."""
        trainable = {id(v) for v in self.template.trainable_weights}
        with no_grad():
            for index, master in enumerate(self.template.weights):
                if id(master) in trainable or master.trainable:
                    continue
                parts = [r.weights[index].data for r in self.replicas]
                master.data[...] = self.collective.reduce(parts) * (1.0 / len(parts))

    # -- running -------------------------------------------------------------------
    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        """Split the batch over the replicas and concatenate their outputs on the first device."""
        from engine import ops  # noqa: PLC0415

        bounds = split_points(_batch_size(inputs), len(self.replicas))
        per_replica = []
        for (start, stop), replica, place in zip(bounds, self.replicas, self.places):
            with self._on(place):
                per_replica.append(list(flatten(replica(_slice(inputs, start, stop), training=training))))
        outputs = []
        for i in range(len(per_replica[0])):
            parts = [devices_module.place(p[i], self.places[0]) if not self.virtual else p[i] for p in per_replica]
            outputs.append(parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=0))
        return outputs[0] if len(outputs) == 1 else outputs

    def replica_gradients(self, x: Any, y: Any, sample_weight: Any = None) -> tuple[float, list[Any], list[Any]]:
        """(loss, all-reduced gradients of the compiled trainable weights, per-replica outputs) for one batch."""
        self._prepare_compiled_state()
        variables = self._compiled_trainable
        positions = [self._index[id(v)] for v in variables]
        batch = _batch_size(x)
        bounds = split_points(batch, len(self.replicas))
        all_grads: list[list[Any]] = []
        outputs_per_replica: list[tuple[Any, Any, Any]] = []
        loss = 0.0
        for (start, stop), replica, place in zip(bounds, self.replicas, self.places):
            share = (stop - start) / batch
            own = [replica.weights[i] for i in positions]
            watched = {id(v) for v in own}
            with self._on(place):
                for v in replica.weights:
                    v.requires_grad = id(v) in watched
                try:
                    replica._clear_activity_losses()
                    outputs = list(flatten(replica(_slice(x, start, stop), training=True)))
                    y_true = self._split_targets(_slice(y, start, stop))
                    sw = _slice(sample_weight, start, stop)
                    weights = self._split_targets(sw) if isinstance(sw, (list, dict)) else [sw] * len(outputs)
                    total, _ = self._loss_container(y_true, outputs, weights)
                    for penalty in replica.losses:
                        total = total + penalty
                    all_grads.append(gradients(total * share, own))
                finally:
                    for v in own:
                        v.requires_grad = False
                loss += float(total.data) * share
            outputs_per_replica.append((y_true, outputs, weights))
        reduced = []
        for i in range(len(variables)):
            parts = [g[i] for g in all_grads]
            present = [p for p in parts if p is not None]
            reduced.append(None if not present else self.collective.reduce(present))
        return loss, reduced, outputs_per_replica

    def _train_step(self, x: Any, y: Any, sample_weight: Any) -> float:
        value, grads, per_replica = self.replica_gradients(x, y, sample_weight)
        variables = self._compiled_trainable
        if math.isfinite(value):
            self.optimizer.apply_gradients(zip(grads, variables))
        self._average_non_trainable()
        self._sync_replicas()
        with no_grad():
            for y_true, outputs, weights in per_replica:
                self._metrics_container.update(y_true, [self._to_first(o.data) for o in outputs], weights)
        return value

    def get_config(self) -> dict[str, Any]:
        return self.template.get_config()


def multi_gpu_model(model: Any, gpus: Any = None, cpu_merge: bool = True, cpu_relocation: bool = False,
                    virtual: bool = False) -> DataParallelModel:  # fmt: skip
    """Replicate ``model`` on ``gpus`` (an int >= 2 or a list of GPU ids) for data-parallel training.

    Compile and fit the returned model; the original shares its weights, so saving the
    original after training saves the trained weights. ``virtual=True`` puts every replica
    on the current device (CPU tests of the same code path). ``cpu_merge`` and
    ``cpu_relocation`` are accepted for Keras compatibility: outputs are merged on the first device.
    """
    places = _resolve_devices(gpus, virtual)
    return DataParallelModel(model, places, virtual)
