"""Serialization: finding classes by name, and model files in Keras's formats.

* ``object_registration``: the name -> class registry, ``custom_objects`` scopes, ``register_serializable``.
* ``hdf5_format``: whole models in Keras's legacy HDF5 layout (``model.save``, ``load_model``).
* ``legacy_weights``: the Keras 2 ``layer_names``/``weight_names`` weights layout.
* ``weights_v3``: Keras 3's ``.weights.h5`` layout.
* ``json_yaml``: architectures as JSON or (safe) YAML text.
* ``config_compat``: Keras 2 / Keras 3 config dialects to engine constructor arguments.
* ``training_config`` / ``optimizer_state``: compile arguments and optimizer state in files.
* ``atomic``: every file is written to a temporary file and renamed into place.
* ``model_io``: the ``SavingMixin`` that gives ``Model`` its save/load methods; ``api``: the public functions.
"""

from typing import Any

_PUBLIC = {
    "load_model": "engine.saving.api",
    "save_model": "engine.saving.api",
    "model_from_json": "engine.saving.api",
    "model_from_yaml": "engine.saving.api",
    "register_serializable": "engine.saving.object_registration",
    "register_keras_serializable": "engine.saving.object_registration",
    "CustomObjectScope": "engine.saving.object_registration",
    "custom_object_scope": "engine.saving.object_registration",
    "get_custom_objects": "engine.saving.object_registration",
}


def __getattr__(name: str) -> Any:
    """``engine.saving.load_model`` etc. (as ``keras.saving``), imported lazily: layers import this package early."""
    if name not in _PUBLIC:
        raise AttributeError(f"module 'engine.saving' has no attribute {name!r}")
    import importlib  # noqa: PLC0415

    module = importlib.import_module(_PUBLIC[name])
    return getattr(module, "register_serializable" if name == "register_keras_serializable" else name)
