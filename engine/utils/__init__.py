"""Utilities with Keras's names: seeding, Sequence, to_categorical, custom objects."""

from engine.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_serializable,
)
from engine.utils.arrays import normalize, to_categorical
from engine.utils.io_utils import HDF5Matrix, get_file, validate_file
from engine.utils.seeding import set_random_seed
from engine.utils.sequence import Sequence

register_keras_serializable = register_serializable


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False, virtual=False):  # noqa: ANN001, ANN201
    """Keras's ``utils.multi_gpu_model``: see ``engine.parallel.multi_gpu_model``."""
    from engine.parallel import multi_gpu_model as _multi_gpu_model  # noqa: PLC0415 - parallel imports models

    return _multi_gpu_model(model, gpus, cpu_merge=cpu_merge, cpu_relocation=cpu_relocation, virtual=virtual)


__all__ = [
    "CustomObjectScope",
    "HDF5Matrix",
    "Sequence",
    "custom_object_scope",
    "get_custom_objects",
    "get_file",
    "multi_gpu_model",
    "normalize",
    "register_keras_serializable",
    "register_serializable",
    "set_random_seed",
    "to_categorical",
    "validate_file",
]
