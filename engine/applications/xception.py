"""Xception (Chollet, 2016): depthwise-separable convolutions with residual links, Keras's names."""

from __future__ import annotations

from typing import Any

from engine.applications import imagenet_utils as utils
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


def Xception(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
) -> Any:
    """Xception (22,910,480 parameters with the top); default input 299x299."""
    from engine import layers

    utils.validate_weights(weights, include_top, classes)
    input_shape = utils.obtain_input_shape(
        input_shape, 299, 71, image_data_format(), require_flatten=include_top, weights=weights
    )
    x, inputs = utils.make_input(input_shape, input_tensor)
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

    def top(x: Any) -> Any:
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)

    model = utils.finish(x, inputs, "xception", include_top, pooling, classes, classifier_activation, top=top)
    suffix = "" if include_top else "_notop"
    utils.load_weights(model, weights, f"xception_weights_tf_dim_ordering_tf_kernels{suffix}.h5", "Xception")
    return model


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Scale pixels to [-1, 1]."""
    return utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = utils.decode_predictions
