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
