"""The public loading functions: ``load_model``, ``save_model``, ``model_from_json``, ``model_from_yaml``."""

from __future__ import annotations

import os
from typing import Any

from engine.errors import ModelFileError
from engine.saving.json_yaml import model_from_json, model_from_yaml


def save_model(model: Any, filepath: Any, overwrite: bool = True, include_optimizer: bool = True) -> None:
    """``model.save(filepath)``."""
    model.save(filepath, overwrite=overwrite, include_optimizer=include_optimizer)


def load_model(
    filepath: Any, custom_objects: dict[str, Any] | None = None, compile: bool = True, safe_mode: bool = True
) -> Any:
    """A model from an HDF5 file written by Strata, Keras 2 or Keras 3 (``model.save('m.h5')``), or a Keras 3
    ``.keras`` file.

    It comes back compiled, with its optimizer state, when it was saved compiled (unless
    ``compile=False``). Nothing in the file is ever executed: classes are found by name in the
    registry, ``custom_objects`` or a ``CustomObjectScope``. ``safe_mode`` is accepted for Keras
    compatibility; loading is always safe.
    """
    from engine.saving.hdf5_format import load_model_from_hdf5  # noqa: PLC0415

    if not isinstance(filepath, (str, os.PathLike)):
        raise ModelFileError(f"load_model expects a file path, received {type(filepath).__name__}.")
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        from engine.saving.keras_zip import load_keras_zip  # noqa: PLC0415

        return load_keras_zip(path, custom_objects=custom_objects, compile=compile)
    return load_model_from_hdf5(path, custom_objects=custom_objects, compile=compile)


__all__ = ["load_model", "model_from_json", "model_from_yaml", "save_model"]
