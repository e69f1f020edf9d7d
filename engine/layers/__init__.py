"""Every engine layer, by its Keras name: ``from engine import layers; layers.Dense(10)``."""

from engine.layers.activation_layers import *  # noqa: F403
from engine.layers.convolutional import *  # noqa: F403
from engine.layers.core import *  # noqa: F403
from engine.layers.input_spec import InputSpec  # noqa: F401 - public re-export
from engine.layers.layer import Layer
from engine.layers.merging import *  # noqa: F403
from engine.layers.normalization import *  # noqa: F403
from engine.layers.pooling import *  # noqa: F403
from engine.layers.recurrent import *  # noqa: F403
from engine.layers.regularization import *  # noqa: F403
from engine.layers.reshaping import *  # noqa: F403
from engine.layers.wrappers import *  # noqa: F403
from engine.saving.object_registration import register_builtin as _register

for _name, _value in list(globals().items()):
    if isinstance(_value, type) and issubclass(_value, Layer):
        _register("layer", _name, _value)
