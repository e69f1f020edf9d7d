"""Keras 3's ``.weights.h5`` layout: ``layers/<key>/vars/<i>``, ``optimizer/vars/<i>``, ``vars/``.

``<key>`` is the snake-cased class name made unique in ``model.layers`` order (``dense``, ``dense_1``),
not the layer name; nested models keep their own ``layers/`` subtree and recurrent layers keep their
variables under ``cell/vars``. Keras 3 writes the real layer name as a ``name`` attribute on each
``vars`` group, which ``by_name=True`` uses. Keras 2 (tf_keras) writes the same layout without names.
"""

from __future__ import annotations

import warnings
from typing import Any

import h5py
import numpy

from engine.backend import to_numpy
from engine.errors import ModelFileError
from engine.layers.naming import to_snake_case
from engine.saving import optimizer_state
from engine.saving.atomic import atomic_path
from engine.saving.h5_utils import decode, open_for_reading, read_dataset, write_dataset

_CLASS_KEYS = {"Model": "functional"}


def _keys(layers: list[Any]) -> list[str]:
    counters: dict[str, int] = {}
    keys = []
    for layer in layers:
        name = type(layer).__name__
        base = _CLASS_KEYS.get(name, to_snake_case(name))
        index = counters.get(base, 0)
        counters[base] = index + 1
        keys.append(base if index == 0 else f"{base}_{index}")
    return keys


def _is_model(layer: Any) -> bool:
    return hasattr(layer, "layers") and hasattr(layer, "_graph")


def _children(layer: Any) -> list[tuple[str, Any]]:
    """Sub-layers held in public attributes (``cell``, ``layer``, ``forward_layer``...): Keras's nesting keys."""
    from engine.layers.layer import Layer  # noqa: PLC0415

    return [
        (attr, value) for attr, value in vars(layer).items() if not attr.startswith("_") and isinstance(value, Layer)
    ]


def _own_variables(layer: Any) -> list[Any]:
    nested = {id(w) for _, child in _children(layer) for w in child.weights}
    return [w for w in layer.weights if id(w) not in nested]


def _flat_variables(layer: Any) -> list[Any]:
    """The variables in file order: the layer's own, then each child's (recursively)."""
    found = list(_own_variables(layer))
    for _, child in _children(layer):
        found += _flat_variables(child)
    return found


def _write_layer(group: h5py.Group, layer: Any) -> None:
    if _is_model(layer):
        _write_layers(group.create_group("layers"), layer.layers)
        group.create_group("vars").attrs["name"] = layer.name
        return
    vars_group = group.create_group("vars")
    vars_group.attrs["name"] = layer.name
    for index, variable in enumerate(_own_variables(layer)):
        write_dataset(vars_group, str(index), to_numpy(variable.data))
    for attr, child in _children(layer):
        _write_layer(group.create_group(attr), child)


def _write_layers(group: h5py.Group, layers: list[Any]) -> None:
    for key, layer in zip(_keys(layers), layers):
        _write_layer(group.create_group(key), layer)


def save_weights_v3(model: Any, filepath: str, overwrite: bool = True) -> None:
    """Write ``model``'s weights (and its optimizer state, when it has one) in the ``.weights.h5`` layout."""
    with atomic_path(filepath, overwrite) as temp, h5py.File(temp, "w") as handle:
        _write_layers(handle.create_group("layers"), model.layers)
        handle.create_group("vars").attrs["name"] = model.name
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            group = handle.create_group("optimizer").create_group("vars")
            group.attrs["name"] = optimizer.name
            for index, (_, array) in enumerate(optimizer_state.optimizer_entries(optimizer)):
                write_dataset(group, str(index), array)


def _read_vars(group: Any, filepath: str) -> list[numpy.ndarray]:
    if not isinstance(group, h5py.Group):
        raise ModelFileError(f"'{filepath}': '{getattr(group, 'name', group)}' is not a group.")
    try:
        keys = sorted(group.keys(), key=int)
    except ValueError as error:
        raise ModelFileError(f"'{filepath}': '{group.name}' holds a dataset that is not numbered: {error}") from error
    return [read_dataset(group[k], filepath, f"variable '{group.name}/{k}'") for k in keys]


def _layer_arrays(group: h5py.Group, layer: Any, filepath: str) -> list[numpy.ndarray]:
    """A layer group's variables in ``_flat_variables`` order (own ``vars``, then each child's group)."""
    arrays = _read_vars(group["vars"], filepath) if "vars" in group else []
    for attr, child in _children(layer):
        if attr in group:
            arrays += _layer_arrays(group[attr], child, filepath)
    return arrays


def _collect(
    group: h5py.Group, layers: list[Any], filepath: str, by_name: bool, prefix: str
) -> list[tuple[Any, list, str]]:
    """``(engine layer, saved arrays, label)`` for each layer present in the file."""
    found = []
    if by_name:
        saved_by_name = {}
        for key in group:
            item = group[key]
            name = decode(item["vars"].attrs.get("name", key)) if "vars" in item else key
            saved_by_name[name] = item
        for layer in layers:
            if layer.name in saved_by_name:
                item = saved_by_name[layer.name]
                if _is_model(layer) and "layers" in item:
                    found += _collect(item["layers"], layer.layers, filepath, by_name, f"{prefix}{layer.name}/")
                else:
                    found.append((layer, _layer_arrays(item, layer, filepath), f"{prefix}{layer.name}"))
        return found
    for key, layer in zip(_keys(layers), layers):
        if key not in group:
            if layer.weights:
                raise ModelFileError(
                    f"'{filepath}' has no weights for layer '{layer.name}' (expected group 'layers/{prefix}{key}')."
                )
            continue
        item = group[key]
        if _is_model(layer) and "layers" in item:
            found += _collect(item["layers"], layer.layers, filepath, by_name, f"{prefix}{key}/layers/")
        else:
            found.append((layer, _layer_arrays(item, layer, filepath), f"layers/{prefix}{key}"))
    return found


def _mismatch(variables: list[Any], arrays: list[numpy.ndarray]) -> str | None:
    if len(variables) != len(arrays):
        return f"the model's layer has {len(variables)} weights, the file has {len(arrays)}."
    for variable, array in zip(variables, arrays):
        if tuple(variable.shape) != tuple(array.shape):
            return (
                f"weight '{variable.name}' has shape {tuple(variable.shape)} in the model and "
                f"{tuple(array.shape)} in the file."
            )
    return None


def load_weights_v3(model: Any, filepath: str, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Assign a ``.weights.h5`` file's variables to ``model``; everything is checked before assigning."""
    with open_for_reading(filepath, "weights") as handle:
        load_weights_v3_from_handle(model, handle, filepath, by_name, skip_mismatch)


def load_weights_v3_from_handle(
    model: Any, handle: h5py.File, filepath: str, by_name: bool = False, skip_mismatch: bool = False
) -> None:
    """``load_weights_v3`` on an open file (``filepath`` names it in messages)."""
    if "layers" not in handle or not isinstance(handle["layers"], h5py.Group):
        raise ModelFileError(f"'{filepath}' has no 'layers' group: it is not a .weights.h5 file.")
    try:
        entries = _collect(handle["layers"], model.layers, filepath, by_name, "")
    except ModelFileError:
        raise
    except Exception as error:  # noqa: BLE001 - h5py raises many kinds of errors on damaged files
        raise ModelFileError(f"Cannot read weights from '{filepath}': {type(error).__name__}: {error}") from error
    assignments = []
    for layer, arrays, label in entries:
        problem = _mismatch(_flat_variables(layer), arrays)
        if problem:
            message = f"'{filepath}': {label} does not fit layer '{layer.name}': {problem}"
            if not skip_mismatch:
                raise ModelFileError(message + " (pass skip_mismatch=True to skip such layers)")
            warnings.warn(f"Skipping loading weights: {message}", UserWarning, stacklevel=3)
            continue
        assignments.append((_flat_variables(layer), arrays))
    optimizer_values = None
    if getattr(model, "optimizer", None) is not None and "optimizer" in handle and "vars" in handle["optimizer"]:
        optimizer_values = _read_vars(handle["optimizer"]["vars"], filepath)
    for variables, arrays in assignments:
        for variable, array in zip(variables, arrays, strict=True):
            variable.assign(array)
    if optimizer_values:
        optimizer_state.restore_optimizer_state(model, optimizer_values, filepath)
