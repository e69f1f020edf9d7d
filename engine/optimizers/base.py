"""The optimizer base class: per-variable slots, the learning rate, clipping, weight decay, saved state.

An optimizer updates ``engine.autograd.Variable`` values in place. A subclass names its slots
(``_slot_groups``), computes the per-step scalar coefficients once (``_prepare_step``) and updates one
variable with in-place ``xp`` ufuncs (``update_step``); everything shared lives here, with Keras 3's
semantics: gradients are unscaled, clipped, weight decay is applied, the update runs, the EMA of the
weights is refreshed, the iteration counter advances and finally the variables' constraints are applied.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from typing import Any

from engine.autograd.tensor import Tensor, as_array
from engine.backend import devices as _devices
from engine.backend import xp
from engine.errors import ConfigError, ShapeError
from engine.optimizers import _gradients, schedules
from engine.optimizers._legacy import normalize_config


def f32(value: float) -> float:
    """``value`` rounded to the nearest float32, as a Python float (Keras keeps scalars in float32)."""
    return struct.unpack("f", struct.pack("f", float(value)))[0]


class Optimizer:
    """Base class of all optimizers.

    Args:
        learning_rate: a float, a ``LearningRateSchedule`` evaluated at ``iterations``, or a callable
            taking no argument.
        weight_decay: if set, decoupled weight decay ``var -= var * weight_decay * lr`` before the update.
        clipnorm / global_clipnorm / clipvalue: at most one; clip each gradient's norm, all gradients'
            joint norm, or each element.
        use_ema, ema_momentum, ema_overwrite_frequency: keep an exponential moving average of the weights.
        loss_scale_factor: gradients are divided by it first.
        gradient_accumulation_steps: update only every N calls, with the mean of the N gradients.
        name: the optimizer's name (prefix of its saved state).
    """

    _default_name = "optimizer"

    def __init__(  # noqa: PLR0917 - Keras's positional signature
        self,
        learning_rate: Any = 0.001,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        cls_name = type(self).__name__
        kwargs.pop("decay", None)  # Keras 3 ignores the legacy argument as well
        if kwargs:
            raise ConfigError(f"Optimizer {cls_name}: argument(s) not recognized: {sorted(kwargs)}.")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ConfigError(
                f"Optimizer {cls_name}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}"
            )
        if gradient_accumulation_steps is not None and not (
            isinstance(gradient_accumulation_steps, int) and gradient_accumulation_steps >= 2
        ):
            raise ConfigError(
                f"Optimizer {cls_name}: `gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ConfigError(
                    f"Optimizer {cls_name}: `ema_momentum` must be in the range [0, 1]. "
                    f"Received: ema_momentum={ema_momentum}"
                )
            frequency = ema_overwrite_frequency
            if frequency and (not isinstance(frequency, int) or frequency < 1):
                raise ConfigError(
                    f"Optimizer {cls_name}: `ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.name = name if name is not None else self._default_name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.iterations = 0
        self._learning_rate: Any = None
        self._set_learning_rate(learning_rate, initial=True)
        self._tracked: list[Any] = []  # variables in the order first seen (kept alive so ids stay unique)
        self._slots: dict[int, dict[str, Any]] = {}
        self._scratch_buffers: dict[tuple[int, Any], Any] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern[str] | None = None

    # -- learning rate ----------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The current learning rate (a schedule is evaluated at ``iterations``), as a float32 value."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return f32(lr(self.iterations))
        if callable(lr):
            return f32(lr())
        return lr

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self._set_learning_rate(value, initial=False)

    # Keras 2's alias, still used by old callbacks and scripts.
    lr = learning_rate

    def _set_learning_rate(self, value: Any, initial: bool) -> None:
        if isinstance(value, Tensor):
            value = value.data
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if not initial and isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise ConfigError(
                f"Optimizer '{self.name}' was created with a LearningRateSchedule as its learning_rate, so its "
                "learning rate cannot be set to a number. Create the optimizer with a float learning_rate instead."
            )
        try:
            self._learning_rate = f32(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"Optimizer {type(self).__name__}: `learning_rate` must be a float, a LearningRateSchedule or a "
                f"callable. Received: learning_rate={value!r}"
            ) from exc

    # -- slots and state ----------------------------------------------------------
    def _slot_groups(self) -> list[tuple[str, ...]]:
        """Slot names, in groups: Keras creates each group for all variables (interleaved), group after group."""
        return []

    def _slot_initial_value(self, slot: str) -> float:
        return 0.0

    def _all_slot_groups(self) -> list[tuple[str, ...]]:
        base = tuple(
            n for n, on in (("average", self.use_ema), ("gradient_accumulator", self.gradient_accumulation_steps)) if on
        )
        return ([base] if base else []) + [g for g in self._slot_groups() if g]

    def _track(self, variable: Any) -> dict[str, Any]:
        key = id(variable)
        slots = self._slots.get(key)
        if slots is None:
            data = variable.data
            slots = {}
            for group in self._all_slot_groups():
                for slot in group:
                    init = self._slot_initial_value(slot)
                    if init == 0.0:
                        slots[slot] = xp.zeros(data.shape, dtype=data.dtype)
                    else:
                        slots[slot] = xp.full(data.shape, init, dtype=data.dtype)
            self._slots[key] = slots
            self._tracked.append(variable)
        return slots

    @property
    def built(self) -> bool:
        return bool(self._tracked)

    def build(self, variables: Iterable[Any]) -> None:
        """Create the slots of ``variables`` now (in this order), e.g. to load saved state before training."""
        for variable in variables:
            self._track(variable)
            self._scratch(0, variable.data)

    def _extra_state(self) -> list[tuple[str, Any, Any]]:
        """Optimizer-wide state after the slots: ``(name, array, assign)`` triples (Nadam's u_product)."""
        return []

    def _state_entries(self) -> list[tuple[str, Any, Any]]:
        entries: list[tuple[str, Any, Any]] = [
            ("iteration", xp.asarray(self.iterations, dtype="int32"), self._assign_iterations)
        ]
        if not callable(self._learning_rate):
            entries.append(("learning_rate", xp.asarray(self._learning_rate, dtype="float32"), self._assign_lr))
        for group in self._all_slot_groups():
            for variable in self._tracked:
                prefix = str(getattr(variable, "path", None) or variable.name).replace("/", "_").replace(":", "_")
                slots = self._slots[id(variable)]
                for slot in group:
                    entries.append((f"{prefix}_{slot}", slots[slot], _assign_into(slots[slot])))
        if self._tracked:
            entries.extend(self._extra_state())
        return entries

    def _assign_iterations(self, value: Any) -> None:
        self.iterations = int(value)

    def _assign_lr(self, value: Any) -> None:
        self._learning_rate = f32(value)

    def variables(self) -> list[tuple[str, Any]]:
        """The optimizer state as ``(name, array)`` pairs, in Keras 3's order and naming.

        ``iteration`` (int32 scalar), ``learning_rate`` (float32 scalar; absent with a schedule, as in
        Keras), then the slots: for each slot group, for each variable in the order first seen, the
        group's slots (Adam: ``<path>_momentum``, ``<path>_velocity`` per variable), then optimizer-wide
        extras. Slot arrays are the live state, not copies.
        """
        return [(name, array) for name, array, _ in self._state_entries()]

    def set_variable_values(self, values: list[Any]) -> None:
        """Assign ``values`` (arrays in the order of ``variables()``) to the optimizer state."""
        entries = self._state_entries()
        values = list(values)
        if len(values) != len(entries):
            hint = "" if self.built else " The optimizer has no slots yet: call build(trainable_variables) first."
            raise ShapeError(
                f"Optimizer '{self.name}' has {len(entries)} state variables "
                f"({', '.join(name for name, _, _ in entries)}); received {len(values)} values.{hint}"
            )
        arrays = []
        for (name, current, _), value in zip(entries, values, strict=True):
            array = xp.asarray(value.data if isinstance(value, Tensor) else value)
            if tuple(array.shape) != tuple(current.shape):
                raise ShapeError(
                    f"Optimizer '{self.name}' state variable '{name}' has shape {tuple(current.shape)}; "
                    f"received a value of shape {tuple(array.shape)}."
                )
            arrays.append(array)
        for (_, _, assign), array in zip(entries, arrays, strict=True):
            assign(array)

    def _scratch(self, index: int, like: Any) -> Any:
        """A reusable buffer shaped like ``like`` (the ``index``-th of a small shared pool, grown on demand)."""
        key = (index, like.dtype, type(like))  # one pool per array type: variables may live on host and GPU
        buf = self._scratch_buffers.get(key)
        size = like.size
        if buf is None or buf.size < size:
            buf = xp.empty(size, dtype=like.dtype)
            self._scratch_buffers[key] = buf
        return buf[:size].reshape(like.shape)

    # -- the update ---------------------------------------------------------------
    def _prepare_step(self, learning_rate: float, step: int) -> Any:
        """Scalar coefficients shared by all variables this step (``step`` counts from 1)."""
        return learning_rate

    def update_step(self, gradient: Any, value: Any, slots: dict[str, Any], coeffs: Any) -> None:
        """Update ``value`` (a variable's array) in place from ``gradient``; subclasses implement it."""
        raise NotImplementedError(f"Optimizer {type(self).__name__} must implement update_step().")  # abstract

    def _before_update_steps(self, step: int) -> None:
        """Hook for optimizer-wide state advanced once per update (Nadam)."""

    @property
    def _update_count(self) -> int:
        """Updates applied so far: ``iterations`` divided by the accumulation steps when accumulating."""
        if self.gradient_accumulation_steps:
            return self.iterations // self.gradient_accumulation_steps
        return self.iterations

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> int:
        """Apply one step of gradients to the variables; ``None`` gradients are skipped.

        Returns the new ``iterations``. A call where every gradient is None only advances ``iterations``;
        an empty list is a no-op.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        for _, variable in pairs:
            if _devices.placement_used():  # slots live beside their variable (layers placed on several devices)
                with _devices.scope_of(variable.data):
                    self._track(variable)
            else:
                self._track(variable)
        active = [(self._as_gradient(g, v), v) for g, v in pairs if g is not None]
        if not active:
            self.iterations += 1
            return self.iterations
        grads = [g for g, _ in active]
        variables = [v for _, v in active]
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        if self.gradient_accumulation_steps:
            self._accumulate_or_update(grads, variables)
        else:
            self._update(grads, variables)
        if self.use_ema:
            self._update_ema()
        self.iterations += 1
        for variable in variables:
            if variable.constraint is not None:
                variable.data[...] = variable.constraint(variable.data)
        return self.iterations

    def apply(self, grads: list[Any], trainable_variables: list[Any]) -> int:
        """Keras 3's spelling: gradients and variables as two lists."""
        return self.apply_gradients(zip(grads, trainable_variables, strict=True))

    def _as_gradient(self, gradient: Any, variable: Any) -> Any:
        if isinstance(gradient, Tensor):
            gradient = gradient.data
        value = variable.data
        if type(gradient) is not type(value):  # e.g. NumPy gradients for a CuPy-backed variable: moved beside it
            gradient = (_devices.copy_to(gradient, _devices.array_device(value)) if hasattr(gradient, "shape")
                        else as_array(gradient))  # fmt: skip
        if tuple(gradient.shape) != tuple(value.shape):
            raise ShapeError(
                f"Optimizer '{self.name}': gradient of shape {tuple(gradient.shape)} does not match variable "
                f"'{getattr(variable, 'path', variable.name)}' of shape {tuple(value.shape)}."
            )
        if gradient.dtype != value.dtype:
            gradient = gradient.astype(value.dtype)
        return gradient

    def _update(self, grads: list[Any], variables: list[Any]) -> None:
        grads = self._clip_gradients(grads)
        learning_rate = self.learning_rate
        self._apply_weight_decay(variables, learning_rate)
        step = self._update_count + 1
        self._before_update_steps(step)
        coeffs = self._prepare_step(learning_rate, step)
        slots = self._slots
        placed = _devices.placement_used()
        for gradient, variable in zip(grads, variables, strict=True):
            if placed:
                with _devices.scope_of(variable.data):
                    self.update_step(gradient, variable.data, slots[id(variable)], coeffs)
            else:
                self.update_step(gradient, variable.data, slots[id(variable)], coeffs)

    def _accumulate_or_update(self, grads: list[Any], variables: list[Any]) -> None:
        steps = self.gradient_accumulation_steps
        accumulators = [self._slots[id(v)]["gradient_accumulator"] for v in variables]
        if (self.iterations + 1) % steps == 0:
            mean_grads = [(g + acc) / steps for g, acc in zip(grads, accumulators, strict=True)]
            self._update(mean_grads, variables)
            for acc in accumulators:
                acc[...] = 0
        else:
            for g, accumulator in zip(grads, accumulators, strict=True):
                xp.add(accumulator, g, out=accumulator)

    def _clip_gradients(self, grads: list[Any]) -> list[Any]:
        if self.clipnorm and self.clipnorm > 0:
            return [_gradients.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return _gradients.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return _gradients.clip_by_value(grads, self.clipvalue)
        return grads

    def exclude_from_weight_decay(self, var_list: list[Any] | None = None, var_names: list[str] | None = None) -> None:
        """Exempt variables (by object, or by any of ``var_names`` appearing in their name) from weight decay."""
        self._exclude_ids = {id(v) for v in var_list or []}
        self._exclude_pattern = re.compile("|".join(sorted(set(var_names)))) if var_names else None

    def _use_weight_decay(self, variable: Any) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        return not (self._exclude_pattern is not None and self._exclude_pattern.search(variable.name))

    def _apply_weight_decay(self, variables: list[Any], learning_rate: float) -> None:
        if self.weight_decay is None:
            return
        wd = f32(self.weight_decay)
        for variable in variables:
            if self._use_weight_decay(variable):
                value = variable.data
                tmp = self._scratch(0, value)
                xp.multiply(value, wd, out=tmp)
                tmp *= learning_rate
                value -= tmp

    def _update_ema(self) -> None:
        momentum = self.ema_momentum if self._update_count != 0 else 0.0
        overwrite = bool(self.ema_overwrite_frequency) and (self._update_count + 1) % self.ema_overwrite_frequency == 0
        for variable in self._tracked:
            average = self._slots[id(variable)]["average"]
            average *= momentum
            average += (1 - momentum) * variable.data
            if overwrite:
                variable.data[...] = average

    def finalize_variable_values(self, var_list: list[Any]) -> None:
        """At the end of training, replace the weights by their moving averages when ``use_ema`` is on."""
        if not self.use_ema:
            return
        for variable in var_list:
            slots = self._slots.get(id(variable))
            if slots is not None:
                variable.data[...] = slots["average"]

    def scale_loss(self, loss: Any) -> Any:
        """Multiply the loss by ``loss_scale_factor`` before differentiation (mixed precision)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    # -- config --------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Keras 3's optimizer config keys (JSON-able)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            learning_rate: Any = schedules.serialize(lr)
        elif callable(lr):
            if not hasattr(lr, "get_config"):
                raise ConfigError(
                    f"Optimizer '{self.name}': a learning_rate callable without get_config() cannot be serialized."
                )
            learning_rate = {"class_name": type(lr).__name__, "config": lr.get_config()}
        else:
            learning_rate = lr
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Optimizer:
        """Rebuild from a Keras 3 or Keras 2 (tf_keras, legacy) config."""
        config = normalize_config(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._learning_rate!r}>"


def _assign_into(target: Any) -> Any:
    def assign(value: Any) -> None:
        target[...] = value

    return assign
