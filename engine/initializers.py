"""Weight initializers with Keras's names, defaults and variance formulas.

Draws come from the engine generator (``backend.random``) on the host so that
``utils.set_random_seed`` makes them reproducible, then move to the device.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy  # host-side random draws only; the result is converted by the caller

from engine.backend import random as engine_random
from engine.errors import ConfigError
from engine.layers.naming import to_snake_case
from engine.saving.object_registration import lookup, register_builtin

_TRUNCATION_STDDEV_FIX = 0.87962566103423978  # stddev of a unit normal truncated at 2 sigma


class Initializer:
    """Base class: ``initializer(shape, dtype)`` returns an array."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = "float32") -> Any:
        raise NotImplementedError  # abstract

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        # Keras 3 adds keys such as input_axes/output_axes that change nothing for these shapes.
        accepted = inspect.signature(cls.__init__).parameters
        return cls(**{k: v for k, v in config.items() if k in accepted})


def _rng(seed: int | None) -> numpy.random.Generator:
    return numpy.random.default_rng(seed) if seed is not None else engine_random.generator()


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class Zeros(Initializer):
    def __call__(self, shape, dtype="float32"):
        return numpy.zeros(shape, dtype=dtype)


class Ones(Initializer):
    def __call__(self, shape, dtype="float32"):
        return numpy.ones(shape, dtype=dtype)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape, dtype="float32"):
        return numpy.full(shape, self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype="float32"):
        return _rng(self.seed).normal(self.mean, self.stddev, shape).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype="float32"):
        return _rng(self.seed).uniform(self.minval, self.maxval, shape).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated_normal(rng: numpy.random.Generator, mean: float, stddev: float, shape) -> Any:
    values = rng.standard_normal(shape)
    outside = numpy.abs(values) > 2
    while outside.any():
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = numpy.abs(values) > 2
    return values * stddev + mean


class TruncatedNormal(Initializer):
    """Normal draws re-drawn when more than two standard deviations from the mean."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype="float32"):
        return _truncated_normal(_rng(self.seed), self.mean, self.stddev, shape).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Scale / fan variance: the family behind glorot, he and lecun initializers."""

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ) -> None:
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ConfigError(f"VarianceScaling mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}.")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ConfigError(f"Unknown VarianceScaling distribution {distribution!r}.")
        if scale <= 0:
            raise ConfigError(f"VarianceScaling scale must be positive, got {scale!r}.")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype="float32"):
        fan_in, fan_out = _fans(tuple(shape))
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        rng = _rng(self.seed)
        if self.distribution == "truncated_normal":
            values = _truncated_normal(rng, 0.0, math.sqrt(variance) / _TRUNCATION_STDDEV_FIX, shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, shape)
        return values.astype(dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _preset(name: str, scale: float, mode: str, distribution: str) -> type:
    def __init__(self, seed: int | None = None) -> None:
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": f"{name}."})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal draw, times ``gain``."""

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype="float32"):
        if len(shape) < 2:
            raise ConfigError(f"Orthogonal initializer needs a shape of rank >= 2, got {tuple(shape)}.")
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        flat = _rng(self.seed).normal(0.0, 1.0, (max(rows, cols), min(rows, cols)))
        q, r = numpy.linalg.qr(flat)
        q *= numpy.sign(numpy.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols]).reshape(shape).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        if len(shape) != 2:
            raise ConfigError(f"Identity initializer needs a 2-D shape, got {tuple(shape)}.")
        return (self.gain * numpy.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


_CLASSES = [
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Orthogonal, Identity,
]  # fmt: skip
for _cls in _CLASSES:
    register_builtin("initializer", _cls.__name__, _cls)
    register_builtin("initializer", to_snake_case(_cls.__name__), _cls)
register_builtin("initializer", "IdentityInitializer", Identity)
register_builtin("initializer", "OrthogonalInitializer", Orthogonal)
# Keras's short aliases (Embedding defaults to embeddings_initializer="uniform").
register_builtin("initializer", "uniform", RandomUniform)
register_builtin("initializer", "normal", RandomNormal)

zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal = HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
orthogonal, identity = Orthogonal, Identity


def serialize(initializer: Initializer) -> dict[str, Any]:
    return {
        "module": "keras.initializers",
        "class_name": type(initializer).__name__,
        "config": initializer.get_config(),
        "registered_name": getattr(type(initializer), "_registered_name", None),
    }


def deserialize(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Initializer:
    name = config.get("class_name")
    cls = lookup(str(name), "initializer", custom_objects)
    if cls is None:
        raise ConfigError(f"Unknown initializer {name!r}. Valid names: {', '.join(_valid_names())}.")
    return cls.from_config(dict(config.get("config") or {}))


def get(identifier: Any) -> Any:
    """An initializer from a name, a Keras config dict, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = lookup(identifier, "initializer")
        if cls is None:
            raise ConfigError(f"Unknown initializer {identifier!r}. Valid names: {', '.join(_valid_names())}.")
        return cls()
    raise ConfigError(f"Cannot interpret {identifier!r} as an initializer.")


def _valid_names() -> list[str]:
    return sorted(to_snake_case(c.__name__) for c in _CLASSES)
