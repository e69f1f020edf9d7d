"""Learning-rate schedules: ``schedule(step) -> float``, evaluated by the optimizer at its iteration count.

The formulas and config keys are Keras 3's (``keras.optimizers.schedules``); ``step`` is the number of
optimizer updates done so far (the count before the current update), as in Keras. Values are plain
Python floats; the optimizer rounds them to float32 as Keras's float32 arithmetic does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from engine.errors import ConfigError
from engine.saving.object_registration import lookup, register_builtin

_MODULE = "keras.optimizers.schedules"


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError(  # abstract
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(step)`."
        )

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(  # abstract
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` to be serializable."
        )

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LearningRateSchedule:
        try:
            return cls(**config)
        except TypeError as exc:
            raise ConfigError(
                f"Cannot build learning rate schedule '{cls.__name__}' from config {config}: {exc}"
            ) from exc

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _check_positive(owner: str, key: str, value: Any) -> None:
    if value <= 0:
        raise ConfigError(f"{owner}: argument `{key}` must be > 0. Received: {key}={value}")


class _KerasSchedule(LearningRateSchedule):
    """Base of the built-in schedules. Each is a dataclass whose fields are Keras's constructor arguments in
    Keras's order, so one field list gives ``__init__``, ``get_config`` (the same keys) and the checks below.
    The subclasses use ``@dataclass(eq=False, repr=False)`` to keep identity equality and the base's repr.
    """

    _positive: tuple[str, ...] = ("decay_steps",)  # arguments Keras requires to be > 0

    def __post_init__(self) -> None:
        for key in self._positive:
            _check_positive(type(self).__name__, key, getattr(self, key))

    def get_config(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(eq=False, repr=False)
class _StaircaseDecay(_KerasSchedule):
    """The arguments ExponentialDecay and InverseTimeDecay share; each adds its own ``name`` default."""

    initial_learning_rate: float
    decay_steps: float
    decay_rate: float
    staircase: bool = False

    def _progress(self, step: int) -> float:
        """``step / decay_steps``, floored if ``staircase`` so that the rate changes every ``decay_steps`` steps."""
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p


@dataclass(eq=False, repr=False)
class ExponentialDecay(_StaircaseDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (integer division if ``staircase``)."""

    name: str = "ExponentialDecay"

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


@dataclass(eq=False, repr=False)
class PiecewiseConstantDecay(_KerasSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` on ``(boundaries[i-1], boundaries[i]]``,
    and ``values[-1]`` after the last boundary.
    """

    boundaries: list[float]
    values: list[float]
    name: str = "PiecewiseConstant"

    def __post_init__(self) -> None:
        if len(self.boundaries) != len(self.values) - 1:
            raise ConfigError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={self.boundaries} of length {len(self.boundaries)}, "
                f"and values={self.values} of length {len(self.values)}."
            )
        self.boundaries = list(self.boundaries)
        self.values = list(self.values)

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values, strict=False):
            if step <= boundary:
                return value
        return self.values[-1]


@dataclass(eq=False, repr=False)
class PolynomialDecay(_KerasSchedule):
    """Decay from ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps`` along ``(1 - t)**power``."""

    initial_learning_rate: float
    decay_steps: float
    end_learning_rate: float = 0.0001
    power: float = 1.0
    cycle: bool = False
    name: str = "PolynomialDecay"

    def __call__(self, step: int) -> float:
        step = float(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            # the first multiple of decay_steps that is >= step (1 at step 0)
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * (1 - p) ** self.power + self.end_learning_rate


@dataclass(eq=False, repr=False)
class InverseTimeDecay(_StaircaseDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored ratio if ``staircase``)."""

    name: str = "InverseTimeDecay"

    def __call__(self, step: int) -> float:
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


def _cosine(step: float, decay_steps: float, alpha: float) -> float:
    cosine_decayed = 0.5 * (1.0 + math.cos(math.pi * step / decay_steps))
    return (1 - alpha) * cosine_decayed + alpha


@dataclass(eq=False, repr=False)
class CosineDecay(_KerasSchedule):
    """Optional linear warmup to ``warmup_target``, then cosine decay to ``alpha`` times the peak rate."""

    initial_learning_rate: float
    decay_steps: float
    alpha: float = 0.0
    name: str = "CosineDecay"
    warmup_target: float | None = None
    warmup_steps: float = 0

    def __call__(self, step: int) -> float:
        step = float(step)
        if self.warmup_target is None:
            step = min(step, float(self.decay_steps))
            return self.initial_learning_rate * _cosine(step, self.decay_steps, self.alpha)
        step = min(step, float(self.decay_steps + self.warmup_steps))
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return (self.warmup_target - self.initial_learning_rate) * fraction + self.initial_learning_rate
        return self.warmup_target * _cosine(step - self.warmup_steps, self.decay_steps, self.alpha)


@dataclass(eq=False, repr=False)
class CosineDecayRestarts(_KerasSchedule):
    """Cosine decay with warm restarts (SGDR): each period ``t_mul`` times longer, peaks scaled by ``m_mul``."""

    initial_learning_rate: float
    first_decay_steps: float
    t_mul: float = 2.0
    m_mul: float = 1.0
    alpha: float = 0.0
    name: str = "SGDRDecay"
    _positive = ("first_decay_steps",)

    def __call__(self, step: int) -> float:
        fraction = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - self.t_mul)) / math.log(self.t_mul))
            sum_r = (1.0 - self.t_mul**i_restart) / (1.0 - self.t_mul)
            fraction = (fraction - sum_r) / self.t_mul**i_restart
        m_fac = self.m_mul**i_restart
        cosine_decayed = 0.5 * m_fac * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine_decayed + self.alpha)


_BUILTIN_SCHEDULES = (
    ExponentialDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
    InverseTimeDecay,
    CosineDecay,
    CosineDecayRestarts,
)
for _cls in _BUILTIN_SCHEDULES:
    register_builtin("schedule", _cls.__name__, _cls)


def serialize(schedule: LearningRateSchedule) -> dict[str, Any]:
    """The Keras 3 serialized form: ``{"module", "class_name", "config", "registered_name"}``."""
    registered = getattr(type(schedule), "_registered_name", None)
    return {
        "module": _MODULE if registered is None else None,
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": registered,
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> LearningRateSchedule:
    """Rebuild a schedule from ``{"class_name": ..., "config": {...}}`` (Keras 3 or Keras 2 form)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"A learning rate schedule config must be a dict with a 'class_name'; received {config!r}.")
    name = config.get("registered_name") or config["class_name"]
    cls = lookup(str(name), "schedule", custom_objects)
    if cls is None and name != config["class_name"]:
        cls = lookup(str(config["class_name"]), "schedule", custom_objects)
    if cls is None:
        valid = ", ".join(c.__name__ for c in _BUILTIN_SCHEDULES)
        raise ConfigError(f"Unknown learning rate schedule {config['class_name']!r}. Valid names: {valid}.")
    inner = dict(config.get("config") or {})
    return cls.from_config(inner)
