"""MobileNetV2 (Sandler et al., 2018): inverted residuals with linear bottlenecks, Keras's names."""

from __future__ import annotations

from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, preprocessor
from engine.backend import image_data_format
from engine.errors import ConfigError

_BN = {"epsilon": 1e-3, "momentum": 0.999}


def _channel_axis() -> int:
    return 1 if image_data_format() == "channels_first" else -1


def make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """Round channel counts to a multiple of ``divisor`` without losing more than 10%."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def correct_pad(x: Any, kernel_size: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Zero padding that makes a strided 'valid' convolution match TensorFlow's 'same'."""
    spatial = x.shape[2:4] if image_data_format() == "channels_first" else x.shape[1:3]
    adjust = (1, 1) if spatial[0] is None else (1 - spatial[0] % 2, 1 - spatial[1] % 2)
    correct = (kernel_size // 2, kernel_size // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def _inverted_res_block(inputs: Any, expansion: int, stride: int, alpha: float, filters: int, block_id: int) -> Any:
    from engine import layers

    in_channels = inputs.shape[_channel_axis()]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False, activation=None,
                          name=prefix + "expand")(x)  # fmt: skip
        x = layers.BatchNormalization(axis=_channel_axis(), name=prefix + "expand_BN", **_BN)(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=prefix + "depthwise")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_channel_axis(), name=prefix + "depthwise_BN", **_BN)(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
                      name=prefix + "project")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_channel_axis(), name=prefix + "project_BN", **_BN)(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


# (filters, stride, expansion) per inverted-residual block, block_0 first.
_PLAN = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6)]
_PLAN += [(64, 1, 6)] * 3 + [(96, 1, 6)] * 3 + [(160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]


def MobileNetV2(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    alpha: float = 1.0,
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
) -> Any:
    """MobileNetV2 (3,538,984 parameters with the top at alpha=1)."""
    from engine import layers

    app = AppArgs(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
    input_shape, rows = app.square_input_shape((96, 128, 160, 192, 224))
    if weights == "imagenet" and alpha not in (0.35, 0.50, 0.75, 1.0, 1.3, 1.4):
        raise ConfigError("MobileNetV2: if imagenet weights are being loaded, alpha must be one of 0.35, 0.50, "
                          f"0.75, 1.0, 1.3 or 1.4; received alpha={alpha}.")  # fmt: skip
    x, inputs = app.make_input(input_shape)
    first_block_filters = make_divisible(32 * alpha, 8)
    x = layers.Conv2D(first_block_filters, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="Conv1")(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_channel_axis(), name="bn_Conv1", **_BN)(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_PLAN):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion, block_id=block_id)
    last_block_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=_channel_axis(), name="Conv_1_bn", **_BN)(x)
    x = layers.ReLU(6.0, name="out_relu")(x)

    def top(x: Any) -> Any:
        return layers.GlobalAveragePooling2D()(x)

    suffix = "" if include_top else "_no_top"
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"
    return app.finish(x, inputs, f"mobilenetv2_{alpha:0.2f}_{rows}", file_name, "MobileNetV2", top=top)


preprocess_input = preprocessor("tf")


decode_predictions = utils.decode_predictions
