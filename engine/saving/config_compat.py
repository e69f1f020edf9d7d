"""Normalising Keras 3 and Keras 2 model configs to what engine constructors accept.

Both dialects describe the same layers with a few different keys: Keras 3 writes
``DTypePolicy`` dicts, ``batch_shape``, ``quantization_config``, ``module``/``registered_name``/
``build_config`` wrappers; Keras 2 writes ``time_major``, ``groups`` (DepthwiseConv2D) or
``implementation`` keys that carry no information for the engine. ``normalize_model_config``
rewrites a whole (possibly nested) model config so that every engine layer can be rebuilt.
Keys are only dropped when they hold their default value and the engine class does not take them,
so a config that asks for something the engine cannot do is still an error.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from engine.saving.object_registration import lookup

# Keys some Keras version writes that mean nothing to the engine when they hold these values.
_INERT_VALUES: dict[str, tuple[Any, ...]] = {
    "quantization_config": (None,),
    "time_major": (False,),
    "groups": (1,),
    "implementation": (1, 2),
    "lora_rank": (None,),
    "lora_alpha": (None,),
    "optional": (False,),
    "sparse": (False,),
    "ragged": (False,),
}
_WRAPPER_KEYS = ("module", "registered_name", "build_config", "compile_config", "shared_object_id")
_MODEL_CLASSES = {"Sequential", "Functional", "Model"}


def normalize_model_config(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of ``{"class_name", "config"}`` rewritten for the engine's constructors."""
    return _normalize_entry(copy.deepcopy(config), custom_objects)


def _normalize_entry(entry: Any, custom_objects: dict[str, Any] | None) -> Any:
    if not isinstance(entry, dict) or "class_name" not in entry:
        return entry
    for key in _WRAPPER_KEYS:
        entry.pop(key, None)
    class_name = entry["class_name"]
    inner = entry.get("config")
    if not isinstance(inner, dict):
        return entry
    if class_name in _MODEL_CLASSES or isinstance(inner.get("layers"), list):
        for key in ("trainable", "dtype", "build_input_shape"):
            if key == "build_input_shape" and class_name == "Sequential":
                continue
            inner.pop(key, None)
        inner["layers"] = [_normalize_entry(layer, custom_objects) for layer in inner.get("layers") or []]
        return entry
    entry["config"] = normalize_layer_config(class_name, inner, custom_objects)
    return entry


def normalize_layer_config(
    class_name: str, config: dict[str, Any], custom_objects: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One layer's config with dialect-specific keys turned into engine constructor kwargs."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = _policy_name(config["dtype"])
    if class_name == "InputLayer":
        if "batch_shape" in config:
            shape = config.pop("batch_shape")
            config.setdefault("batch_input_shape", shape)
        for key in ("optional", "sparse", "ragged"):
            if config.get(key) in _INERT_VALUES[key]:
                config.pop(key)
        return config
    for key in ("layer", "cell", "forward_layer", "backward_layer"):  # wrappers and RNN cells
        if isinstance(config.get(key), dict):
            config[key] = _normalize_entry(config[key], custom_objects)
    accepted = _accepted_kwargs(lookup(class_name, "layer", custom_objects))
    if accepted is not None:
        for key, inert in _INERT_VALUES.items():
            if key in config and key not in accepted and config[key] in inert:
                config.pop(key)
    return config


def _policy_name(policy: dict[str, Any]) -> str:
    inner = policy.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("name"), str):
        return inner["name"]
    if isinstance(inner, str):
        return inner
    return "float32"


def _accepted_kwargs(cls: Any) -> set[str] | None:
    """Explicit keyword parameters of ``cls.__init__`` (None when it cannot be inspected)."""
    if not inspect.isclass(cls):
        return None
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return None
    return {name for name, p in parameters.items() if p.kind is not inspect.Parameter.VAR_KEYWORD}
