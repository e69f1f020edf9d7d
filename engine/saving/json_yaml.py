"""Architectures as JSON or YAML text (``to_json``, ``model_from_json``, ``to_yaml``, ``model_from_yaml``).

The text is ``{"class_name", "config", "keras_version", "backend"}`` in the Keras 2 dialect;
reading also accepts Keras 3's ``to_json()`` output. YAML is parsed with ``yaml.safe_load`` only:
a document with Python object tags (``!!python/object``) is refused, never executed.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from engine.errors import ConfigError
from engine.saving import legacy_weights
from engine.saving.config_compat import normalize_model_config
from engine.saving.hdf5_format import model_config_of, preserved_random_state
from engine.saving.object_registration import CustomObjectScope


def model_to_dict(model: Any) -> dict[str, Any]:
    return {
        **model_config_of(model),
        "keras_version": legacy_weights.KERAS_DIALECT_VERSION,
        "backend": legacy_weights.BACKEND_NAME,
    }


def to_json(model: Any, **kwargs: Any) -> str:
    """``json.dumps`` of the architecture; ``kwargs`` go to ``json.dumps`` (e.g. ``indent=2``)."""
    return json.dumps(model_to_dict(model), **kwargs)


def to_yaml(model: Any, **kwargs: Any) -> str:
    """Plain YAML (no Python tags) of the architecture; ``kwargs`` go to ``yaml.safe_dump``."""
    kwargs.setdefault("sort_keys", False)
    return yaml.safe_dump(model_to_dict(model), **kwargs)


def model_from_dict(config: Any, custom_objects: dict[str, Any] | None = None, source: str = "config") -> Any:
    from engine.models.model_config import deserialize_layer  # noqa: PLC0415

    if not isinstance(config, dict) or "class_name" not in config or not isinstance(config.get("config"), dict):
        raise ConfigError(f"The model {source} must be a mapping with 'class_name' and 'config' entries.")
    with preserved_random_state(), CustomObjectScope(custom_objects or {}):
        model = deserialize_layer(normalize_model_config(config, custom_objects), custom_objects)
    if not hasattr(model, "layers"):
        raise ConfigError(f"The model {source} describes a {config['class_name']} layer, not a model.")
    return model


def model_from_json(json_string: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """A new (uncompiled, freshly initialised) model from ``to_json()`` text (Keras 2 or 3)."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"model_from_json: the text is not valid JSON ({error}).") from error
    model = model_from_dict(config, custom_objects, "JSON")
    return model


def model_from_yaml(yaml_string: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """A new model from ``to_yaml()`` text, read with a safe YAML loader."""
    try:
        config = yaml.safe_load(yaml_string)
    except yaml.constructor.ConstructorError as error:
        raise ConfigError(
            "model_from_yaml: the YAML contains a Python object tag "
            f"({error.problem.strip() if error.problem else error}). Strata reads YAML with a safe loader and "
            "never constructs Python objects from a model description; remove the tag."
        ) from error
    except yaml.YAMLError as error:
        raise ConfigError(f"model_from_yaml: the text is not valid YAML ({error}).") from error
    return model_from_dict(config, custom_objects, "YAML")
