"""Models: ``Sequential``, the functional ``Model``, and building models from configs."""

from engine.models.functional import Model
from engine.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
