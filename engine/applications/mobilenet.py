"""MobileNet (Howard et al., 2017): depthwise-separable convolutions, width ``alpha``, Keras's names."""

from __future__ import annotations

from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, channels_first, preprocessor
from engine.backend import image_data_format
from engine.errors import ConfigError

_ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.50: "5_0", 0.25: "2_5"}
_SIZES = (128, 160, 192, 224)  # the input sizes ImageNet weights were published for


def _channel_axis() -> int:
    return 1 if image_data_format() == "channels_first" else -1


def _conv_block(x: Any, filters: int, alpha: float, kernel: tuple = (3, 3), strides: tuple = (1, 1)) -> Any:
    from engine import layers

    filters = int(filters * alpha)
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, strides=strides, name="conv1")(x)
    x = layers.BatchNormalization(axis=_channel_axis(), name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(x: Any, pointwise_filters: int, alpha: float, depth_multiplier: int = 1,
                          strides: tuple = (1, 1), block_id: int = 1) -> Any:  # fmt: skip
    from engine import layers

    pointwise_filters = int(pointwise_filters * alpha)
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_channel_axis(), name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(pointwise_filters, (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_channel_axis(), name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    alpha: float = 1.0,
    depth_multiplier: int = 1,
    dropout: float = 1e-3,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
) -> Any:
    """MobileNet v1 (4,253,864 parameters with the top at alpha=1)."""
    from engine import layers
    from engine.models import Model

    app = AppArgs(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
    input_shape, rows = app.square_input_shape(_SIZES)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ConfigError("MobileNet: if imagenet weights are being loaded, depth multiplier must be 1.")
        if alpha not in _ALPHA_TEXT:
            raise ConfigError("MobileNet: if imagenet weights are being loaded, alpha must be one of 0.25, 0.50, "
                              f"0.75 or 1.0; received alpha={alpha}.")  # fmt: skip
        if rows not in _SIZES:
            raise ConfigError(f"MobileNet: imagenet weights exist for input sizes 128, 160, 192 and 224 only; "
                              f"received {rows}.")  # fmt: skip
    x, inputs = app.make_input(input_shape)
    x = _conv_block(x, 32, alpha, strides=(2, 2))
    plan = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for block_id, (filters, stride) in enumerate(plan, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride), block_id=block_id)
    name = f"mobilenet_{alpha:0.2f}_{rows}"
    if include_top:
        shape = (int(1024 * alpha), 1, 1) if channels_first() else (1, 1, int(1024 * alpha))
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Reshape(shape, name="reshape_1")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
        model = Model(inputs, x, name=name)
    else:
        model = utils.finish(x, inputs, name, False, pooling, classes, classifier_activation)
    alpha_text = _ALPHA_TEXT.get(alpha)
    file_name = f"mobilenet_{alpha_text}_{rows}_tf{'' if include_top else '_no_top'}.h5" if alpha_text else None
    utils.load_weights(model, weights, file_name, "MobileNet")
    return model


preprocess_input = preprocessor("tf")


decode_predictions = utils.decode_predictions
