"""Reading Keras 3's ``.keras`` files: a zip of ``config.json``, ``model.weights.h5`` and ``metadata.json``.

Only data is read: the JSON config (classes found by name in the registry), the weights and the
optimizer state (``.weights.h5`` layout), and ``compile_config``. A ``.keras`` file with a Lambda layer
would need Python bytecode, which Strata never runs: such a config fails as an unknown layer class.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import h5py

from engine.errors import ModelFileError
from engine.saving.json_yaml import model_from_dict
from engine.saving.training_config import compile_from_config
from engine.saving.weights_v3 import load_weights_v3_from_handle

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
