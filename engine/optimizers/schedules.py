"""Learning-rate schedules: ``schedule(step) -> float``, evaluated by the optimizer at its iteration count.

The formulas and config keys are Keras 3's (``keras.optimizers.schedules``); ``step`` is the number of
optimizer updates done so far (the count before the current update), as in Keras. Values are plain
Python floats; the optimizer rounds them to float32 as Keras's float32 arithmetic does.
"""

from __future__ import annotations

import math
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


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (integer division if ``staircase``)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        _check_positive("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: int) -> float:
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` on ``(boundaries[i-1], boundaries[i]]``,
    and ``values[-1]`` after the last boundary.
    """

    def __init__(self, boundaries: list[float], values: list[float], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ConfigError(
                "PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, "
                f"and values={values} of length {len(values)}."
            )
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step: int) -> float:
        for boundary, value in zip(self.boundaries, self.values, strict=False):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self) -> dict[str, Any]:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Decay from ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps`` along ``(1 - t)**power``."""

    def __init__(  # noqa: PLR0917 - Keras's positional signature
        self,
        initial_learning_rate: float,
        decay_steps: float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        _check_positive("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

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

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored ratio if ``staircase``)."""

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        _check_positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: int) -> float:
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


def _cosine(step: float, decay_steps: float, alpha: float) -> float:
    cosine_decayed = 0.5 * (1.0 + math.cos(math.pi * step / decay_steps))
    return (1 - alpha) * cosine_decayed + alpha


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup to ``warmup_target``, then cosine decay to ``alpha`` times the peak rate."""

    def __init__(  # noqa: PLR0917 - Keras's positional signature
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: float = 0,
    ) -> None:
        _check_positive("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

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

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): each period ``t_mul`` times longer, peaks scaled by ``m_mul``."""

    def __init__(  # noqa: PLR0917 - Keras's positional signature
        self,
        initial_learning_rate: float,
        first_decay_steps: float,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        _check_positive("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

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

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


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
