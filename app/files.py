"""Opening and saving designs through the engine's persistence layer. Qt-free.

A saved ``.h5`` is a full Keras-layout model file (architecture, weights,
training config) written by ``model.save``; the canvas layout rides along in
one extra root attribute, ``strata_layout``, which Keras ignores. ``.json`` and
``.yaml`` hold the architecture only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py

from app.conversion import from_model, to_model
from app.document import DesignDocument
from engine.errors import ModelFileError

LAYOUT_ATTR = "strata_layout"
OPEN_SUFFIXES = (".h5", ".hdf5", ".keras", ".json", ".yaml", ".yml")


def open_document(path: str | Path, custom_objects: dict[str, Any] | None = None) -> DesignDocument:
    """A document for a model file; ModelFileError (or the engine's ConfigError) when it cannot be read."""
    from engine.models import load_model, model_from_json, model_from_yaml

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"Cannot open '{path}': no such file.")
    suffix = path.suffix.lower()
    layout: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
    if suffix in (".h5", ".hdf5"):
        model = load_model(path, custom_objects=custom_objects, compile=False)
        layout, training, optimizer_state = _read_extras(path)
        doc = from_model(model, layout=True)
        doc.optimizer_state = optimizer_state
        from app.training.persistence import read_extras

        doc.training_extras = read_extras(path)
    elif suffix == ".keras":  # Keras 3 zip files, when the engine reads them (it says so clearly otherwise)
        doc = from_model(load_model(path, custom_objects=custom_objects, compile=False), layout=True)
    elif suffix == ".json":
        doc = from_model(model_from_json(path.read_text(encoding="utf-8"), custom_objects), weights=False)
    elif suffix in (".yaml", ".yml"):
        doc = from_model(model_from_yaml(path.read_text(encoding="utf-8"), custom_objects), weights=False)
    else:
        raise ModelFileError(f"Cannot open '{path}': expected one of {', '.join(OPEN_SUFFIXES)}.")
    doc.training_config = training
    if layout:
        doc.apply_layout(layout)
    return doc


def _read_extras(path: Path) -> tuple[Any, Any, list[Any] | None]:
    """The layout, the training config and the optimizer state stored in a model file."""
    from engine.saving.hdf5_format import read_optimizer_weights

    with h5py.File(path, "r") as handle:
        layout = _json_attr(handle.attrs, LAYOUT_ATTR)
        training = _json_attr(handle.attrs, "training_config")
        state = read_optimizer_weights(handle, str(path)) if "optimizer_weights" in handle else None
    return layout, training, state


def _json_attr(attrs: Any, name: str) -> Any:
    if name not in attrs:
        return None
    value = attrs[name]
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    try:
        return json.loads(str(value))
    except ValueError:
        return None


def save_document(doc: DesignDocument, path: str | Path, custom_objects: dict[str, Any] | None = None) -> None:
    """Write the design: ``.h5`` full model + layout, ``.json``/``.yaml`` architecture."""
    from engine.saving.training_config import compile_from_config

    path = Path(path)
    suffix = path.suffix.lower()
    model = to_model(doc, custom_objects)
    if suffix in (".h5", ".hdf5"):
        if doc.training_config:
            compile_from_config(model, doc.training_config, custom_objects)
            if getattr(doc, "optimizer_state", None):
                _restore_optimizer(model, doc.optimizer_state, path)
        model.save(path)
        with h5py.File(path, "a") as handle:
            handle.attrs[LAYOUT_ATTR] = json.dumps(doc.layout_data())
        if getattr(doc, "training_extras", None):
            from app.training.persistence import write_extras

            write_extras(path, doc.training_extras)
    elif suffix == ".json":
        path.write_text(model.to_json(indent=2), encoding="utf-8")
    elif suffix in (".yaml", ".yml"):
        path.write_text(model.to_yaml(), encoding="utf-8")
    else:
        raise ModelFileError(f"Cannot save '{path}': use a name ending in .h5, .json or .yaml.")


def _restore_optimizer(model: Any, state: list[Any], path: Path) -> None:
    """Carry the opened file's optimizer state over when the design still has the same trainable weights."""
    import warnings

    from engine.saving.optimizer_state import restore_optimizer_state

    with warnings.catch_warnings():  # an edited design simply starts with a fresh optimizer
        warnings.simplefilter("ignore", UserWarning)
        restore_optimizer_state(model, state, str(path))


def load_weights_into(doc: DesignDocument, path: str | Path, by_name: bool = False) -> int:
    """Load a weights file into the design's layers; returns how many layers received weights."""
    model = to_model(doc)
    model.load_weights(path, by_name=by_name)
    count = 0
    for layer in model.layers:
        node = doc.node_by_name(layer.name)
        if node is not None and node.shares is None and layer.weights:
            doc.set_weights(node.id, [w.copy() for w in layer.get_weights()])
            count += 1
    return count
