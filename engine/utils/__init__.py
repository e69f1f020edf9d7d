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

__all__ = [
    "CustomObjectScope",
    "HDF5Matrix",
    "Sequence",
    "custom_object_scope",
    "get_custom_objects",
    "get_file",
    "normalize",
    "register_keras_serializable",
    "register_serializable",
    "set_random_seed",
    "to_categorical",
    "validate_file",
]
