"""Xception (Chollet, 2016): depthwise-separable convolutions with residual links, Keras's names."""

from __future__ import annotations

from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, keras_application, preprocessor
from engine.backend import image_data_format


def _axis() -> int:
    return 1 if image_data_format() == "channels_first" else -1


def _residual(x: Any, filters: int) -> Any:
    from engine import layers

    residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return layers.BatchNormalization(axis=_axis())(residual)


def _sep(x: Any, filters: int, name: str) -> Any:
    from engine import layers

    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=_axis(), name=name + "_bn")(x)


def _xception(app: AppArgs) -> Any:
    from engine import layers

    x, inputs = app.start(default_size=299, min_size=71)
    axis = _axis()
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    residual = _residual(x, 128)
    x = _sep(x, 128, "block2_sepconv1")
    x = layers.Activation("relu", name="block2_sepconv2_act")(x)
    x = _sep(x, 128, "block2_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block2_pool")(x)
    x = layers.Add()([x, residual])

    for block, filters in ((3, 256), (4, 728)):
        residual = _residual(x, filters)
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
        x = _sep(x, filters, f"block{block}_sepconv1")
        x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
        x = _sep(x, filters, f"block{block}_sepconv2")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
        x = layers.Add()([x, residual])

    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for conv in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{conv}_act")(x)
            x = _sep(x, 728, f"{prefix}_sepconv{conv}")
        x = layers.Add()([x, residual])

    residual = _residual(x, 1024)
    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = _sep(x, 728, "block13_sepconv1")
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = _sep(x, 1024, "block13_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.Add()([x, residual])

    x = _sep(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    return app.finish(x, inputs, "xception", app.weights_file("xception"), "Xception")


Xception = keras_application(
    _xception, "Xception", "Xception (22,910,480 parameters with the top); default input 299x299."
)


preprocess_input = preprocessor("tf")


decode_predictions = utils.decode_predictions
