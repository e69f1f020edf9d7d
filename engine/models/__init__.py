"""Models: ``Sequential``, the functional ``Model``, building models from configs, and model files."""

from engine.models.functional import Model
from engine.models.sequential import Sequential
from engine.saving.api import load_model, model_from_json, model_from_yaml, save_model
from engine.saving.object_registration import register_builtin as _register

for _name, _cls in (("Sequential", Sequential), ("Functional", Model), ("Model", Model)):
    _register("layer", _name, _cls)

__all__ = ["Model", "Sequential", "load_model", "model_from_json", "model_from_yaml", "save_model"]
