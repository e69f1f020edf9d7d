"""``SavingMixin``: ``save``, ``save_weights``, ``load_weights``, ``to_json``, ``to_yaml`` on every Model."""

from __future__ import annotations

import os
from typing import Any

from engine.errors import ConfigError, ModelFileError


def _path(filepath: Any) -> str:
    if not isinstance(filepath, (str, os.PathLike)):
        raise ModelFileError(f"Expected a file path (str or os.PathLike), received {type(filepath).__name__}.")
    return os.fspath(filepath)


def is_v3_weights_path(filepath: str) -> bool:
    return filepath.endswith(".weights.h5")


class SavingMixin:
    """Model persistence in Keras's file formats."""

    def save(self, filepath: Any, overwrite: bool = True, include_optimizer: bool = True, **kwargs: Any) -> None:
        """Architecture, weights, training config and optimizer state in one file.

        Keras's legacy HDF5 layout (``.h5`` and any other name), or Keras 3's zip format for ``.keras``.
        """
        from engine.saving.hdf5_format import save_model_to_hdf5  # noqa: PLC0415

        path = _path(filepath)
        save_format = kwargs.pop("save_format", None)
        for tensorflow_only in ("signatures", "options", "save_traces"):  # Keras 2 / TensorFlow arguments
            kwargs.pop(tensorflow_only, None)
        if kwargs:
            raise ConfigError(f"save() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if save_format == "tf":
            raise ModelFileError(f"Cannot save '{path}': the TensorFlow SavedModel format is not supported; use .h5.")
        if path.endswith(".keras") or save_format == "keras":
            from engine.saving.keras_zip import save_keras_zip  # noqa: PLC0415

            if not self.built or getattr(self, "_graph", None) is None:
                raise ModelFileError(f"Cannot save model '{self.name}' to '{path}': it has not been built yet.")
            save_keras_zip(self, path, overwrite=overwrite, include_optimizer=include_optimizer)
            return
        save_model_to_hdf5(self, path, overwrite=overwrite, include_optimizer=include_optimizer)

    def save_weights(self, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
        """Weights only: ``.weights.h5`` gets Keras 3's layout, any other name Keras 2's HDF5 layout."""
        import h5py  # noqa: PLC0415

        from engine.saving.atomic import atomic_path  # noqa: PLC0415
        from engine.saving.legacy_weights import save_weights_to_group  # noqa: PLC0415
        from engine.saving.weights_v3 import save_weights_v3  # noqa: PLC0415

        path = _path(filepath)
        kwargs.pop("save_format", None)
        kwargs.pop("options", None)
        if kwargs:
            raise ConfigError(f"save_weights() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if not self.built or getattr(self, "_graph", None) is None:
            raise ModelFileError(f"Cannot save the weights of model '{self.name}' to '{path}': it is not built yet.")
        if is_v3_weights_path(path):
            save_weights_v3(self, path, overwrite=overwrite)
            return
        with atomic_path(path, overwrite) as temp, h5py.File(temp, "w") as handle:
            save_weights_to_group(handle, self)

    def load_weights(self, filepath: Any, by_name: bool = False, skip_mismatch: bool = False, **kwargs: Any) -> None:
        """Load weights saved by Strata or Keras (``.weights.h5``, weights-only ``.h5`` or a full-model ``.h5``).

        ``by_name=True`` loads only the layers whose names match; ``skip_mismatch=True`` skips (with a
        warning) layers whose weight count or shapes differ instead of raising.
        """
        path = _path(filepath)
        kwargs.pop("options", None)
        if kwargs:
            raise ConfigError(f"load_weights() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if not self.built or getattr(self, "_graph", None) is None:
            raise ModelFileError(
                f"Cannot load weights from '{path}' into model '{self.name}': it is not built yet, so it has no "
                "weights. Build it (call it on data or give it an input shape) first."
            )
        try:
            _load_weights_file(self, path, by_name, skip_mismatch)
        except ModelFileError:
            raise
        except Exception as error:  # noqa: BLE001 - any failure reading an untrusted file is reported as such
            raise ModelFileError(f"Cannot load weights from '{path}': {type(error).__name__}: {error}") from error

    def to_json(self, **kwargs: Any) -> str:
        from engine.saving.json_yaml import to_json  # noqa: PLC0415

        return to_json(self, **kwargs)

    def to_yaml(self, **kwargs: Any) -> str:
        from engine.saving.json_yaml import to_yaml  # noqa: PLC0415

        return to_yaml(self, **kwargs)


def _load_weights_file(model: Any, path: str, by_name: bool, skip_mismatch: bool) -> None:
    from engine.saving.h5_utils import open_for_reading  # noqa: PLC0415
    from engine.saving.legacy_weights import load_weights_from_group  # noqa: PLC0415
    from engine.saving.weights_v3 import load_weights_v3  # noqa: PLC0415

    with open_for_reading(path, "weights") as handle:
        v3 = "layers" in handle and "layer_names" not in handle.attrs and "model_weights" not in handle
        if not v3:
            group = handle["model_weights"] if "model_weights" in handle else handle
            load_weights_from_group(group, model, path, by_name=by_name, skip_mismatch=skip_mismatch)
            return
    load_weights_v3(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
