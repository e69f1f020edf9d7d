"""Whole models in Keras's legacy HDF5 layout (``model.save('m.h5')``, ``load_model``).

Root attributes ``keras_version``, ``backend``, ``model_config`` (Keras 2 dialect, so that Keras
itself can open the file) and ``training_config``; groups ``model_weights`` and ``optimizer_weights``
(see tests/fixtures/keras/FORMAT.md). Strata adds a CRC32 to each dataset and to the configs so that
a damaged file is reported instead of silently loading different numbers. Files written by Keras 2
and Keras 3 are read as well.
"""

from __future__ import annotations

import contextlib
import json
import random
import zlib
from collections.abc import Iterator
from typing import Any

import h5py
import numpy

from engine import __version__
from engine.backend import random as engine_random
from engine.errors import ModelFileError, StrataError
from engine.saving import legacy_weights, optimizer_state
from engine.saving.atomic import atomic_path
from engine.saving.config_compat import normalize_model_config
from engine.saving.h5_utils import (
    decode,
    open_for_reading,
    read_dataset,
    read_json_attr,
    read_string_list,
    write_dataset,
    write_string_list,
)
from engine.saving.object_registration import CustomObjectScope, lookup
from engine.saving.training_config import compile_from_config, training_config

CONFIG_CHECKSUM_ATTR = "strata_config_crc32"


def model_config_of(model: Any) -> dict[str, Any]:
    """``{"class_name", "config"}`` of a model in the Keras 2 dialect (``Functional`` for plain ``Model``)."""
    from engine.models.functional import Model  # noqa: PLC0415
    from engine.models.sequential import Sequential  # noqa: PLC0415

    cls = type(model)
    registered = getattr(cls, "_registered_name", None)
    if registered:
        class_name = registered
    elif cls is Model:
        class_name = "Functional"
    elif cls is Sequential:
        class_name = "Sequential"
    else:
        class_name = cls.__name__
    return {"class_name": class_name, "config": _with_nested_modules(model.get_config())}


_NESTED_LAYER_KEYS = ("layer", "forward_layer", "backward_layer", "cell")


def _with_nested_modules(config: Any) -> Any:
    """Give layer configs nested in wrappers (Bidirectional, TimeDistributed, RNN cells) a ``module``.

    Keras 3 deserializes nested layer configs with its new-style lookup, which needs
    ``module: "keras.layers"`` for built-in classes; Keras 2 ignores the key.
    """
    if isinstance(config, list):
        return [_with_nested_modules(item) for item in config]
    if not isinstance(config, dict):
        return config
    result = {key: _with_nested_modules(value) for key, value in config.items()}
    for key in _NESTED_LAYER_KEYS:
        nested = result.get(key)
        if isinstance(nested, dict) and "class_name" in nested and "config" in nested and "module" not in nested:
            builtin = lookup(nested["class_name"], "layer") is not None and ">" not in nested["class_name"]
            result[key] = {"module": "keras.layers" if builtin else None, **nested, "registered_name": None}
            if not builtin:
                result[key]["registered_name"] = nested["class_name"]
    return result


def _configs_checksum(model_config: str, train_config: str | None) -> int:
    return zlib.crc32((model_config + "\x00" + (train_config or "")).encode("utf8")) & 0xFFFFFFFF


def save_model_to_hdf5(model: Any, filepath: str, overwrite: bool = True, include_optimizer: bool = True) -> None:
    """Write ``model`` to ``filepath`` atomically (temporary file, then rename)."""
    if not model.built or getattr(model, "_graph", None) is None:
        raise ModelFileError(
            f"Cannot save model '{model.name}' to '{filepath}': it has not been built yet (its input shape is "
            "unknown). Call it on data, build(input_shape) it or give its first layer an input_shape first."
        )
    model_config = json.dumps(model_config_of(model))
    train_config = None
    if include_optimizer and getattr(model, "compiled", False) and model.optimizer is not None:
        train_config = json.dumps(training_config(model))
    with atomic_path(filepath, overwrite) as temp, h5py.File(temp, "w") as handle:
        handle.attrs["backend"] = legacy_weights.BACKEND_NAME
        handle.attrs["keras_version"] = legacy_weights.KERAS_DIALECT_VERSION
        handle.attrs["strata_version"] = __version__
        handle.attrs["model_config"] = model_config
        if train_config is not None:
            handle.attrs["training_config"] = train_config
        handle.attrs[CONFIG_CHECKSUM_ATTR] = numpy.uint32(_configs_checksum(model_config, train_config))
        legacy_weights.save_weights_to_group(handle.create_group("model_weights"), model)
        if train_config is not None:
            entries = optimizer_state.optimizer_entries(model.optimizer)
            group = handle.create_group("optimizer_weights")
            write_string_list(group, "weight_names", [name for name, _ in entries])
            for name, array in entries:
                write_dataset(group, name, array)


@contextlib.contextmanager
def preserved_random_state() -> Iterator[None]:
    """Building layers draws initial weights; loading must not move the user's random streams."""
    generator = engine_random.generator()
    engine_state = generator.bit_generator.state
    numpy_state = numpy.random.get_state()
    python_state = random.getstate()
    try:
        yield
    finally:
        generator.bit_generator.state = engine_state
        numpy.random.set_state(numpy_state)
        random.setstate(python_state)


def load_model_from_hdf5(filepath: str, custom_objects: dict[str, Any] | None = None, compile: bool = True) -> Any:
    """The model saved in ``filepath``: compiled (with its optimizer state) if it was saved compiled."""
    handle = open_for_reading(filepath, "model")
    try:
        return _load(handle, filepath, custom_objects, compile)
    except ModelFileError:
        raise
    except StrataError as error:
        raise ModelFileError(f"Cannot load a model from '{filepath}': {error}") from error
    except Exception as error:  # noqa: BLE001 - any failure reading an untrusted file is reported as such
        raise ModelFileError(f"Cannot load a model from '{filepath}': {type(error).__name__}: {error}") from error
    finally:
        with contextlib.suppress(Exception):
            handle.close()


def _load(handle: h5py.File, filepath: str, custom_objects: dict[str, Any] | None, compile: bool) -> Any:
    from engine.models.model_config import deserialize_layer  # noqa: PLC0415

    attrs = handle.attrs
    if "model_config" not in attrs:
        kind = "a weights-only file" if ("layer_names" in attrs or "layers" in handle) else "not a model file"
        raise ModelFileError(
            f"'{filepath}' has no model_config attribute ({kind}). Build the model in code and call "
            "model.load_weights(...) for weights files."
        )
    raw_model_config = _string_attr(attrs, "model_config")
    raw_train_config = _string_attr(attrs, "training_config") if "training_config" in attrs else None
    if CONFIG_CHECKSUM_ATTR in attrs:
        expected = int(numpy.asarray(attrs[CONFIG_CHECKSUM_ATTR]))
        if expected != _configs_checksum(raw_model_config, raw_train_config):
            raise ModelFileError(f"'{filepath}': model_config or training_config is corrupted (checksum mismatch).")
    config = read_json_attr(attrs, "model_config", filepath)
    if not isinstance(config, dict) or "class_name" not in config or not isinstance(config.get("config"), dict):
        raise ModelFileError(f"'{filepath}': model_config must be an object with 'class_name' and 'config'.")
    if "model_weights" not in handle or not isinstance(handle["model_weights"], h5py.Group):
        raise ModelFileError(f"'{filepath}' has a model_config but no 'model_weights' group.")
    with preserved_random_state(), CustomObjectScope(custom_objects or {}):
        model = deserialize_layer(normalize_model_config(config, custom_objects), custom_objects)
    if not hasattr(model, "layers"):
        raise ModelFileError(f"'{filepath}': model_config describes a {config['class_name']}, not a model.")
    legacy_weights.load_weights_from_group(
        handle["model_weights"], model, filepath, hint=" (the weights do not match the file's model_config)"
    )
    if compile and raw_train_config is not None:
        train_config = read_json_attr(attrs, "training_config", filepath)
        compile_from_config(model, train_config, custom_objects)
        if "optimizer_weights" in handle:
            optimizer_state.restore_optimizer_state(model, read_optimizer_weights(handle, filepath), filepath)
    return model


def _string_attr(attrs: Any, name: str) -> str:
    value = attrs[name]
    return decode(value.item() if isinstance(value, numpy.ndarray) else value)


def read_optimizer_weights(handle: h5py.File, filepath: str) -> list[numpy.ndarray]:
    group = handle["optimizer_weights"]
    names = read_string_list(group, "weight_names", filepath)
    values = []
    for name in names:
        if name not in group:
            raise ModelFileError(f"'{filepath}': optimizer weight '{name}' is listed but missing.")
        values.append(read_dataset(group[name], filepath, f"optimizer weight '{name}'"))
    return values
