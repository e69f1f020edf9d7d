"""Optimizers with Keras's names, defaults, update formulas, configs and saved-state layout.

``get("adam")``, ``get({"class_name": "Adam", "config": {...}})`` and ``deserialize`` build them;
``schedules`` holds the learning-rate schedules.
"""

from engine.optimizers import schedules
from engine.optimizers.adadelta import Adadelta
from engine.optimizers.adagrad import Adagrad
from engine.optimizers.adam import Adam
from engine.optimizers.adamax import Adamax
from engine.optimizers.adamw import AdamW
from engine.optimizers.base import Optimizer
from engine.optimizers.nadam import Nadam
from engine.optimizers.registry import deserialize, get, serialize
from engine.optimizers.rmsprop import RMSprop
from engine.optimizers.sgd import SGD

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
