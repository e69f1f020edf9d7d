"""Keras 3's ``.keras`` files: a zip of ``config.json``, ``model.weights.h5`` and ``metadata.json``.

Writing puts the Keras 2 dialect layer configs (which Keras 3 reads through its legacy path, as
for ``.h5`` files) inside Keras 3's top-level wrapper, with a ``compile_config`` and the weights
and optimizer state in the ``.weights.h5`` layout. Reading takes only data: the JSON config
(classes found by name in the registry), the weights and optimizer state, and ``compile_config``.
A ``.keras`` file with a Lambda layer would need Python bytecode, which Strata never runs: such a
config fails as an unknown layer class.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import zipfile
from typing import Any

import h5py

from engine import __version__
from engine.errors import ModelFileError
from engine.saving.atomic import atomic_path
from engine.saving.hdf5_format import model_config_of
from engine.saving.json_yaml import model_from_dict
from engine.saving.training_config import compile_from_config, training_config
from engine.saving.weights_v3 import load_weights_v3_from_handle, save_weights_v3

KERAS3_DIALECT_VERSION = "3.15.1"  # the Keras 3 release whose .keras layout these files follow


def _compile_config(model: Any) -> dict[str, Any] | None:
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return None
    training = training_config(model)
    optimizer = training.pop("optimizer_config")
    optimizer = {"module": "keras.optimizers", **optimizer, "registered_name": None}
    return {"optimizer": optimizer, **training, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def save_keras_zip(model: Any, filepath: str, overwrite: bool = True, include_optimizer: bool = True) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` file (atomically)."""
    base = model_config_of(model)
    if base["class_name"] == "Functional":  # how Keras 3 itself names its functional class in .keras files
        config: dict[str, Any] = {"module": "keras.src.models.functional", **base, "registered_name": "Functional"}
        config["build_config"] = {"input_shape": None}
    else:
        config = {"module": "keras", **base, "registered_name": None}
        inputs = [list(t.shape) for t in model.inputs]
        config["build_config"] = {"input_shape": inputs[0] if len(inputs) == 1 else inputs}
    compile_config = _compile_config(model) if include_optimizer else None
    if compile_config is not None:
        config["compile_config"] = compile_config
    metadata = {
        "keras_version": KERAS3_DIALECT_VERSION,
        "strata_version": __version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    folder = os.path.dirname(os.path.abspath(filepath))
    with tempfile.TemporaryDirectory(dir=folder, prefix=".strata-keras-") as scratch:
        weights = os.path.join(scratch, "model.weights.h5")
        optimizer = model.optimizer if compile_config is not None else None
        saved, model.optimizer = model.optimizer, optimizer
        try:
            save_weights_v3(model, weights)
        finally:
            model.optimizer = saved
        with atomic_path(filepath, overwrite) as temp, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("metadata.json", json.dumps(metadata))
            archive.writestr("config.json", json.dumps(config))
            archive.write(weights, "model.weights.h5")


MAX_MEMBER_BYTES = 4 * 2**30


def _member(archive: zipfile.ZipFile, name: str, filepath: str) -> bytes:
    try:
        info = archive.getinfo(name)
    except KeyError as error:
        raise ModelFileError(f"'{filepath}' is a zip file without '{name}': not a Keras .keras model.") from error
    if info.file_size > MAX_MEMBER_BYTES:
        raise ModelFileError(f"'{filepath}': '{name}' claims {info.file_size} bytes; refusing to inflate it.")
    return archive.read(name)


def load_keras_zip(filepath: str, custom_objects: dict[str, Any] | None = None, compile: bool = True) -> Any:
    """The model in a Keras 3 ``.keras`` file, compiled with its optimizer state when it was saved compiled."""
    try:
        archive = zipfile.ZipFile(filepath)
    except FileNotFoundError as error:
        raise ModelFileError(f"No such model file: '{filepath}'.") from error
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelFileError(f"Cannot open '{filepath}' as a .keras (zip) file: {error}") from error
    try:
        with archive:
            try:
                config = json.loads(_member(archive, "config.json", filepath))
            except ValueError as error:
                raise ModelFileError(f"'{filepath}': config.json is not valid JSON ({error}).") from error
            model = model_from_dict(config, custom_objects, f"config in '{filepath}'")
            compile_config = config.get("compile_config") if isinstance(config, dict) else None
            if compile and isinstance(compile_config, dict) and compile_config.get("optimizer") is not None:
                optimizer = compile_config["optimizer"]
                if isinstance(optimizer, str):
                    optimizer = {"class_name": optimizer, "config": {}}
                training = {**compile_config, "optimizer_config": optimizer}
                compile_from_config(model, training, custom_objects)
            weights = _member(archive, "model.weights.h5", filepath)
            with h5py.File(io.BytesIO(weights), "r") as handle:
                load_weights_v3_from_handle(model, handle, filepath)
            return model
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure reading an untrusted file is reported as such
        raise ModelFileError(f"Cannot load a model from '{filepath}': {type(error).__name__}: {error}") from error
