"""DenseNet121/169/201 (Huang et al., 2016), with Keras's layer names (``conv1/conv``, ``conv2_block1_concat``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, keras_application, preprocessor
from engine.backend import image_data_format

_EPS = 1.001e-5


def _axis() -> int:
    return 3 if image_data_format() == "channels_last" else 1


def conv_block(x: Any, growth_rate: int, name: str) -> Any:
    """BN-ReLU-1x1-BN-ReLU-3x3, concatenated onto the input."""
    from engine import layers

    x1 = layers.BatchNormalization(axis=_axis(), epsilon=_EPS, name=name + "_0_bn")(x)
    x1 = layers.Activation("relu", name=name + "_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=_axis(), epsilon=_EPS, name=name + "_1_bn")(x1)
    x1 = layers.Activation("relu", name=name + "_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=_axis(), name=name + "_concat")([x, x1])


def dense_block(x: Any, blocks: int, name: str) -> Any:
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x: Any, reduction: float, name: str) -> Any:
    from engine import layers

    x = layers.BatchNormalization(axis=_axis(), epsilon=_EPS, name=name + "_bn")(x)
    x = layers.Activation("relu", name=name + "_relu")(x)
    x = layers.Conv2D(int(x.shape[_axis()] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def build_densenet(blocks: tuple[int, int, int, int], name: str, app: AppArgs) -> Any:
    from engine import layers

    x, inputs = app.start(default_size=224, min_size=32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(x)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
    x = layers.BatchNormalization(axis=_axis(), epsilon=_EPS, name="conv1/bn")(x)
    x = layers.Activation("relu", name="conv1/relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = dense_block(x, blocks[0], name="conv2")
    x = transition_block(x, 0.5, name="pool2")
    x = dense_block(x, blocks[1], name="conv3")
    x = transition_block(x, 0.5, name="pool3")
    x = dense_block(x, blocks[2], name="conv4")
    x = transition_block(x, 0.5, name="pool4")
    x = dense_block(x, blocks[3], name="conv5")
    x = layers.BatchNormalization(axis=_axis(), epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)

    return app.finish(x, inputs, name, app.weights_file(name), name)


def _make(public_name: str, blocks: tuple[int, int, int, int], doc: str) -> Callable[..., Any]:
    return keras_application(lambda app: build_densenet(blocks, public_name.lower(), app), public_name, doc)


DenseNet121 = _make("DenseNet121", (6, 12, 24, 16), "DenseNet121 (8,062,504 parameters with the top).")
DenseNet169 = _make("DenseNet169", (6, 12, 32, 32), "DenseNet169 (14,307,880 parameters with the top).")
DenseNet201 = _make("DenseNet201", (6, 12, 48, 32), "DenseNet201 (20,242,984 parameters with the top).")


preprocess_input = preprocessor("torch")


decode_predictions = utils.decode_predictions
