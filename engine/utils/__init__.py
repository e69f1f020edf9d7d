"""Utilities with Keras's names: seeding, Sequence, to_categorical, custom objects."""

from engine.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_serializable,
)
from engine.utils.arrays import normalize, to_categorical
from engine.utils.seeding import set_random_seed
from engine.utils.sequence import Sequence

register_keras_serializable = register_serializable

__all__ = [
    "CustomObjectScope",
    "Sequence",
    "custom_object_scope",
    "get_custom_objects",
    "normalize",
    "register_keras_serializable",
    "register_serializable",
    "set_random_seed",
    "to_categorical",
]
