"""Strata's deep-learning engine: a Keras-compatible API on NumPy (and CuPy).

Import the parts as in Keras::

    from engine import layers, models, optimizers, losses, metrics, callbacks
"""

__version__ = "0.1.0"

__all__ = [
    "activations",
    "backend",
    "callbacks",
    "constraints",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "regularizers",
    "utils",
]
