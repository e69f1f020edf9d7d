"""The Keras 2 weights layout: one group per layer with ``weight_names``, at a file's root or in ``model_weights``.

Used by full-model ``.h5`` files (group ``model_weights``) and by weights-only ``.h5`` files
(the same content at the root). Weights are assigned by position within a layer; layers are
matched in order (layers with weights only, as Keras does) or by name with ``by_name=True``.
"""

from __future__ import annotations

import warnings
from typing import Any

import h5py
import numpy

from engine import __version__
from engine.backend import to_numpy
from engine.errors import ModelFileError
from engine.saving.h5_utils import read_dataset, read_string_list, write_dataset, write_string_list

KERAS_DIALECT_VERSION = "2.21.0"  # model_config and weight names follow tf.keras 2 conventions
BACKEND_NAME = "strata"


def weight_names_of(layer: Any) -> list[str]:
    """Keras 2 style names (``dense/kernel:0``), unique within the layer."""
    names: list[str] = []
    seen: set[str] = set()
    for variable in layer.weights:
        base = str(getattr(variable, "path", None) or f"{layer.name}/{variable.name}")
        name = f"{base}:0"
        suffix = 1
        while name in seen:
            name = f"{base}_{suffix}:0"
            suffix += 1
        seen.add(name)
        names.append(name)
    return names


def save_weights_to_group(group: h5py.Group, model: Any) -> None:
    """Write every layer of ``model`` (in ``model.layers`` order) into ``group``."""
    layers = model.layers
    write_string_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND_NAME
    group.attrs["keras_version"] = KERAS_DIALECT_VERSION
    group.attrs["strata_version"] = __version__
    for layer in layers:
        layer_group = group.create_group(layer.name)
        names = weight_names_of(layer)
        write_string_list(layer_group, "weight_names", names)
        for name, variable in zip(names, layer.weights):
            write_dataset(layer_group, name, to_numpy(variable.data))
    top = group.create_group("top_level_model_weights")
    write_string_list(top, "weight_names", [])


def read_layer_groups(group: h5py.Group, filepath: str) -> list[tuple[str, list[numpy.ndarray]]]:
    """``(layer name, [arrays in weight order])`` for every layer listed in ``layer_names``."""
    result = []
    for name in read_string_list(group, "layer_names", filepath):
        if name not in group or not isinstance(group[name], h5py.Group):
            raise ModelFileError(f"'{filepath}': layer '{name}' is listed in layer_names but has no weight group.")
        layer_group = group[name]
        names = read_string_list(layer_group, "weight_names", filepath)
        arrays = []
        for weight_name in names:
            if weight_name not in layer_group:
                raise ModelFileError(f"'{filepath}': weight '{weight_name}' of layer '{name}' is missing.")
            arrays.append(read_dataset(layer_group[weight_name], filepath, f"weight '{weight_name}' of layer '{name}'"))
        result.append((name, arrays))
    return result


SKIP_HINT = " (pass skip_mismatch=True to skip such layers)"


def load_weights_from_group(
    group: h5py.Group,
    model: Any,
    filepath: str,
    by_name: bool = False,
    skip_mismatch: bool = False,
    hint: str = SKIP_HINT,
) -> None:
    """Assign the weights in ``group`` to ``model``; every check happens before the first assignment."""
    saved = read_layer_groups(group, filepath)
    assignments = (
        match_by_name(model, saved, filepath, skip_mismatch, hint)
        if by_name
        else match_in_order(model, saved, filepath, skip_mismatch, hint)
    )
    apply_assignments(assignments)


def match_in_order(
    model: Any, saved: list[tuple[str, list[Any]]], filepath: str, skip_mismatch: bool, hint: str = SKIP_HINT
) -> list:
    targets = [layer for layer in model.layers if layer.weights]
    sources = [(name, arrays) for name, arrays in saved if arrays]
    if len(targets) != len(sources):
        raise ModelFileError(
            f"'{filepath}' holds weights for {len(sources)} layers "
            f"({', '.join(n for n, _ in sources) or 'none'}), but model '{model.name}' has {len(targets)} layers "
            f"with weights ({', '.join(layer.name for layer in targets) or 'none'}). Use by_name=True to load "
            "matching layers only."
        )
    assignments = []
    for layer, (name, arrays) in zip(targets, sources):
        problem = mismatch(layer, arrays)
        if problem:
            message = (
                f"'{filepath}': layer '{name}' in the file does not fit layer '{layer.name}' of the model: {problem}"
            )
            if not skip_mismatch:
                raise ModelFileError(message + hint)
            warnings.warn(f"Skipping loading weights: {message}", UserWarning, stacklevel=4)
            continue
        assignments.append((layer, arrays))
    return assignments


def match_by_name(
    model: Any, saved: list[tuple[str, list[Any]]], filepath: str, skip_mismatch: bool, hint: str = SKIP_HINT
) -> list:
    by_name = dict(saved)
    assignments = []
    for layer in model.layers:
        if layer.name not in by_name:
            continue
        arrays = by_name[layer.name]
        problem = mismatch(layer, arrays)
        if problem:
            message = f"'{filepath}': layer '{layer.name}': {problem}"
            if not skip_mismatch:
                raise ModelFileError(message + hint)
            warnings.warn(f"Skipping loading weights of layer '{layer.name}': {message}", UserWarning, stacklevel=4)
            continue
        assignments.append((layer, arrays))
    return assignments


def mismatch(layer: Any, arrays: list[Any]) -> str | None:
    """Why ``arrays`` cannot be assigned to ``layer`` (None if they can)."""
    own = layer.weights
    if len(own) != len(arrays):
        return f"the model's layer has {len(own)} weights, the file has {len(arrays)}."
    for variable, array in zip(own, arrays):
        if tuple(variable.shape) != tuple(array.shape):
            return (
                f"weight '{variable.name}' has shape {tuple(variable.shape)} in the model and "
                f"{tuple(array.shape)} in the file."
            )
    return None


def apply_assignments(assignments: list[tuple[Any, list[Any]]]) -> None:
    for layer, arrays in assignments:
        for variable, array in zip(layer.weights, arrays):
            variable.assign(numpy.asarray(array, dtype=variable.dtype))
