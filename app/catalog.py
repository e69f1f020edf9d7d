"""The layer catalog: every registered engine layer, its palette group, default config and form schema.

Everything here is derived from the engine's registry and from each layer's
``get_config()`` and constructor signature, so new engine layers appear in the
studio without studio changes.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import engine.layers  # noqa: F401 - registers the built-in layers
from engine.errors import StrataError
from engine.layers.layer import Layer
from engine.layers.naming import to_snake_case
from engine.saving.object_registration import builtins_of, get_custom_objects, lookup

GROUPS = [
    "Input",
    "Core",
    "Convolution",
    "Pooling",
    "Recurrent",
    "Normalization",
    "Regularization",
    "Merge",
    "Reshape",
    "Activation",
    "Custom",
]

_PACKAGE_GROUPS = {
    "core": "Core",
    "convolutional": "Convolution",
    "pooling": "Pooling",
    "rnn": "Recurrent",
    "recurrent": "Recurrent",
    "normalization": "Normalization",
    "regularization": "Regularization",
    "merging": "Merge",
    "reshaping": "Reshape",
    "activation_layers": "Activation",
    "wrappers": "Recurrent",
}
_CLASS_GROUPS = {"InputLayer": "Input", "Dropout": "Regularization"}

# Values for constructor arguments that have no default, by Keras argument name.
_REQUIRED_DEFAULTS: dict[str, Any] = {
    "units": 32,
    "filters": 32,
    "kernel_size": 3,
    "rate": 0.5,
    "stddev": 0.1,
    "n": 2,
    "target_shape": [-1],
    "dims": [2, 1],
    "activation": "relu",
    "pool_size": 2,
    "axes": -1,
    "l1": 0.0,
    "cell": None,
    "input_dim": 100,
    "output_dim": 8,
    "depth_multiplier": 1,
}
_INPUT_DEFAULT = {"batch_input_shape": [None, 8, 8], "dtype": "float32", "sparse": False, "ragged": False}
_HIDDEN_KEYS = {"name", "dtype", "sparse", "ragged", "batch_input_shape", "module", "registered_name"}


@dataclass(frozen=True)
class LayerType:
    """One palette entry: an engine layer class known by its config name."""

    class_name: str
    group: str
    multi_input: bool
    description: str


def layer_class(class_name: str) -> type[Layer] | None:
    return lookup(class_name, "layer")


@cache
def is_multi_input(class_name: str) -> bool:
    """Merge layers (Add, Concatenate, Dot, ...) take a list of inputs."""
    from engine.layers.merging.base_merge import Merge

    cls = layer_class(class_name)
    return isinstance(cls, type) and issubclass(cls, Merge)


@cache
def takes_extra_inputs(class_name: str) -> bool:
    """Layers whose call takes more tensors than the data (a recurrent layer's initial state)."""
    cls = layer_class(class_name)
    return isinstance(cls, type) and "initial_state" in inspect.signature(cls.call).parameters


def layer_types() -> list[LayerType]:
    """Every built-in and registered custom layer, grouped, in palette order."""
    found: dict[str, type] = {}
    for name, cls in builtins_of("layer").items():
        if name != "Layer" and not name.endswith("Cell") and isinstance(cls, type) and issubclass(cls, Layer):
            found[name] = cls
    for name, cls in get_custom_objects().items():
        if ">" not in name and isinstance(cls, type) and issubclass(cls, Layer) and name not in found:
            found[name] = cls
    types = [
        LayerType(name, _group_of(name, cls), is_multi_input(name), _first_line(cls.__doc__))
        for name, cls in found.items()
        if _creatable(name)
    ]
    return sorted(types, key=lambda t: (GROUPS.index(t.group), t.class_name))


def _creatable(class_name: str) -> bool:
    """Whether the engine can make this layer from defaults (abstract bases and broken layers are left out)."""
    try:
        default_config(class_name)
    except Exception:  # noqa: BLE001
        return False
    return True


def _group_of(name: str, cls: type) -> str:
    if name in _CLASS_GROUPS:
        return _CLASS_GROUPS[name]
    parts = cls.__module__.split(".")
    if parts[:2] != ["engine", "layers"]:
        return "Custom"
    for part in parts[2:]:
        if part in _PACKAGE_GROUPS:
            return _PACKAGE_GROUPS[part]
    return "Core"


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if doc and doc.strip() else ""


def _required_default(class_name: str, param: str) -> Any:
    if param == "layer":  # wrappers: Bidirectional(LSTM), TimeDistributed(Dense)
        inner = "LSTM" if class_name == "Bidirectional" else "Dense"
        cls = layer_class(inner)
        return cls(32) if cls is not None else None
    if param == "cell":
        cls = layer_class("LSTMCell")
        return cls(32) if cls is not None else None
    return _REQUIRED_DEFAULTS.get(param)


@cache
def _default_config_json(class_name: str) -> str:
    if class_name == "InputLayer":
        return json.dumps(_INPUT_DEFAULT)
    cls = layer_class(class_name)
    if cls is None:
        raise KeyError(class_name)
    kwargs = {}
    for param in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or param.default is not param.empty:
            continue
        kwargs[param.name] = _required_default(class_name, param.name)
    layer = cls(name="__catalog_probe__", **kwargs)
    config = layer.get_config()
    config.pop("name", None)
    return json.dumps(config)


def default_config(class_name: str) -> dict[str, Any]:
    """A fresh config for a new node of ``class_name`` (without a name)."""
    return json.loads(_default_config_json(class_name))


def default_name_base(class_name: str) -> str:
    return "input" if class_name == "InputLayer" else to_snake_case(class_name)


def canonical_config(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """The engine's own config for ``config`` (raises the engine's ConfigError when it is invalid)."""
    from engine.models.model_config import deserialize_layer

    if class_name == "InputLayer":
        shape = config.get("batch_input_shape")
        if (
            not isinstance(shape, (list, tuple))
            or not shape
            or any(d is not None and (not isinstance(d, int) or d <= 0) for d in shape[1:])
        ):
            raise StrataConfigError(f"Input '{config.get('name')}': the shape must list positive sizes, got {shape!r}.")
        return dict(config)
    layer = deserialize_layer({"class_name": class_name, "config": config})
    return layer.get_config()


class StrataConfigError(StrataError, ValueError):
    """An invalid Input shape typed in the studio."""


# -- form schema ---------------------------------------------------------------
_PADDING = ["valid", "same"]
_DATA_FORMATS = ["channels_last", "channels_first"]
_INTERPOLATION = ["nearest", "bilinear"]


def _choices(kind: str) -> list[str]:
    names = builtins_of(kind)
    return sorted(n for n in names if n == n.lower())


def schema_for(class_name: str, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Neutral form fields (see ``widgets.inspector``) for a layer's config."""
    fields: list[dict[str, Any]] = [{"key": "name", "label": "Name", "kind": "text", "value": config.get("name", "")}]
    if class_name == "InputLayer":
        shape = config.get("batch_input_shape") or [None]
        fields.append({"key": "shape", "label": "Shape (no batch)", "kind": "ints", "value": list(shape[1:])})
        fields.append(
            {
                "key": "batch_size",
                "label": "Batch size",
                "kind": "int",
                "value": shape[0],
                "nullable": True,
                "minimum": 1,
                "maximum": 1_000_000,
            }
        )
        return fields
    for key, value in config.items():
        if key in _HIDDEN_KEYS:
            continue
        fields.append(_field(key, value))
    return fields


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _field(key: str, value: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"key": key, "label": _label(key), "value": value}
    if key in ("activation", "recurrent_activation"):
        field.update(kind="choice", choices=_choices("activation"), value=_named(value))
    elif key.endswith("_initializer"):
        field.update(kind="choice", choices=_choices("initializer"), value=_named(value))
    elif key.endswith("_regularizer") or key.endswith("_constraint"):
        kind = "regularizer" if key.endswith("_regularizer") else "constraint"
        field.update(kind="choice", choices=["", *_choices(kind)], value=_named(value) or "")
    elif key == "padding" and isinstance(value, str):
        field.update(kind="choice", choices=_PADDING + (["causal"] if value == "causal" else []))
    elif key == "data_format":
        field.update(kind="choice", choices=_DATA_FORMATS, value=value or "channels_last")
    elif key == "interpolation":
        field.update(kind="choice", choices=_INTERPOLATION)
    elif isinstance(value, bool):
        field["kind"] = "bool"
    elif isinstance(value, int):
        field.update(kind="int", minimum=-1_000_000, maximum=1_000_000)
    elif isinstance(value, float):
        field.update(kind="float", minimum=-1e9, maximum=1e9)
    elif isinstance(value, str):
        field["kind"] = "text"
    elif isinstance(value, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        field.update(kind="ints", value=list(value))
    else:
        field.update(kind="json", value=json.dumps(value))
    return field


def _named(value: Any) -> Any:
    """An initializer/regularizer/constraint config as its name when it has default settings."""
    if isinstance(value, dict) and "class_name" in value:
        name = to_snake_case(value["class_name"])
        settings = {k: v for k, v in (value.get("config") or {}).items() if v is not None}
        if settings and settings != _default_settings(name):
            return value  # keeps custom settings (e.g. a seed): shown as JSON by the form
        return name
    return value


@cache
def _default_settings_json(name: str) -> str:
    from engine import constraints, initializers, regularizers

    for module in (initializers, regularizers, constraints):
        try:
            config = module.serialize(module.get(name)).get("config") or {}
        except Exception:  # noqa: BLE001,S112 - not a name of this kind
            continue
        return json.dumps({k: v for k, v in config.items() if v is not None})
    return "{}"


def _default_settings(name: str) -> dict[str, Any]:
    return json.loads(_default_settings_json(name))


def apply_field(class_name: str, config: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """``config`` with one form field changed (not yet validated)."""
    new = json.loads(json.dumps(config))
    if class_name == "InputLayer" and key in ("shape", "batch_size"):
        shape = list(new.get("batch_input_shape") or [None])
        new["batch_input_shape"] = [shape[0], *value] if key == "shape" else [value, *shape[1:]]
        return new
    if (key.endswith("_regularizer") or key.endswith("_constraint")) and value == "":
        value = None
    new[key] = value
    return new


def key_settings(class_name: str, config: dict[str, Any]) -> str:
    """The one-line summary a canvas node shows under its title."""
    if class_name == "InputLayer":
        return ""
    parts = []
    for key in (
        "units",
        "filters",
        "kernel_size",
        "strides",
        "pool_size",
        "rate",
        "target_shape",
        "axis",
        "padding",
        "activation",
        "n",
        "size",
        "dims",
        "stddev",
    ):
        if key not in config:
            continue
        value = _named(config[key])
        if key == "activation" and value == "linear":
            continue
        if key == "padding" and value == "valid":
            continue
        if key == "axis" and value == -1:
            continue
        if isinstance(value, (list, tuple)):
            value = "×".join(str(v) for v in value)  # noqa: RUF001
        if isinstance(value, dict):
            continue
        parts.append(str(value) if key in ("units", "filters", "activation") else f"{key.split('_')[0]} {value}")
    return " · ".join(parts)
