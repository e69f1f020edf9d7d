"""InceptionResNetV2 (Szegedy et al., 2016), with Keras's layer names (``block35_1``, ``mixed_6a``, ``conv_7b``)."""

from __future__ import annotations

from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, keras_application, preprocessor
from engine.backend import image_data_format
from engine.errors import ConfigError
from engine.layers.layer import Layer


def _axis() -> int:
    return 1 if image_data_format() == "channels_first" else 3


class CustomScaleLayer(Layer):
    """``inputs[0] + inputs[1] * scale``: the scaled residual sum (Keras 3's layer; a Lambda in Keras 2)."""

    def __init__(self, scale: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, inputs: Any) -> Any:
        return inputs[0] + inputs[1] * self.scale

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape[0])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}


def conv2d_bn(x: Any, filters: int, kernel_size: Any, strides: int = 1, padding: str = "same",
              activation: str | None = "relu", use_bias: bool = False, name: str | None = None) -> Any:  # fmt: skip
    """Convolution, then BatchNormalization without scale (when there is no bias), then the activation."""
    from engine import layers

    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=_axis(), scale=False, name=None if name is None else name + "_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else name + "_ac")(x)
    return x


def inception_resnet_block(x: Any, scale: float, block_type: str, block_idx: int,
                           activation: str | None = "relu") -> Any:  # fmt: skip
    """One residual Inception block: the branches, a 1x1 'up' projection, ``x + scale * up``."""
    from engine import layers

    if block_type == "block35":
        branches = [
            conv2d_bn(x, 32, 1),
            conv2d_bn(conv2d_bn(x, 32, 1), 32, 3),
            conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3),
        ]
    elif block_type == "block17":
        branches = [conv2d_bn(x, 192, 1), conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, [1, 7]), 192, [7, 1])]
    elif block_type == "block8":
        branches = [conv2d_bn(x, 192, 1), conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, [1, 3]), 256, [3, 1])]
    else:
        raise ConfigError(f"Unknown Inception-ResNet block type {block_type!r}: expected 'block35', 'block17' "
                          "or 'block8'.")  # fmt: skip
    block_name = f"{block_type}_{block_idx}"
    mixed = layers.Concatenate(axis=_axis(), name=block_name + "_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[_axis()], 1, activation=None, use_bias=True, name=block_name + "_conv")
    x = CustomScaleLayer(scale, name=block_name)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=block_name + "_ac")(x)
    return x


def _inception_resnet_v2(app: AppArgs) -> Any:
    from engine import layers

    x, inputs = app.start(default_size=299, min_size=75)
    axis = _axis()
    x = conv2d_bn(x, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)

    branch_0 = conv2d_bn(x, 96, 1)
    branch_1 = conv2d_bn(conv2d_bn(x, 48, 1), 64, 5)
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3)
    branch_pool = conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    x = layers.Concatenate(axis=axis, name="mixed_5b")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)

    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_6a")([branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)

    branch_0 = conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid")
    branch_2 = conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=axis, name="mixed_7a")([branch_0, branch_1, branch_2, branch_pool])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")

    return app.finish(x, inputs, "inception_resnet_v2", app.weights_file("inception_resnet_v2"), "InceptionResNetV2")


InceptionResNetV2 = keras_application(
    _inception_resnet_v2, "InceptionResNetV2",
    "InceptionResNetV2 (55,873,736 parameters with the top); default input 299x299.",
)  # fmt: skip


preprocess_input = preprocessor("tf")


decode_predictions = utils.decode_predictions


def _register() -> None:
    from engine.saving.object_registration import register_builtin

    register_builtin("layer", "CustomScaleLayer", CustomScaleLayer)


_register()
