"""NASNetMobile and NASNetLarge (Zoph et al., 2017): searched normal and reduction cells, Keras's names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, preprocessor
from engine.applications.mobilenet_v2 import correct_pad
from engine.backend import image_data_format
from engine.errors import ConfigError

_BN = {"momentum": 0.9997, "epsilon": 1e-3}
_INIT = "he_normal"


def _channel_dim() -> int:
    return 1 if image_data_format() == "channels_first" else -1


def _bn(x: Any, name: str | None) -> Any:
    from engine import layers

    return layers.BatchNormalization(axis=_channel_dim(), name=name, **_BN)(x)


def _separable_conv_block(ip: Any, filters: int, kernel_size: tuple = (3, 3), strides: tuple = (1, 1),
                          block_id: str = "") -> Any:  # fmt: skip
    """ReLU-SepConv-BN twice (the first one strided when the cell reduces)."""
    from engine import layers

    x = layers.Activation("relu")(ip)
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size[0]), name=f"separable_conv_1_pad_{block_id}")(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, name=f"separable_conv_1_{block_id}",
                               padding=conv_pad, use_bias=False, depthwise_initializer=_INIT,
                               pointwise_initializer=_INIT)(x)  # fmt: skip
    x = _bn(x, f"separable_conv_1_bn_{block_id}")
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}", padding="same",
                               use_bias=False, depthwise_initializer=_INIT, pointwise_initializer=_INIT)(x)  # fmt: skip
    return _bn(x, f"separable_conv_2_bn_{block_id}")


def _adjust_block(p: Any, ip: Any, filters: int, block_id: str) -> Any:
    """Bring the previous cell's output ``p`` to ``ip``'s spatial size and ``filters`` channels."""
    from engine import layers

    channel_dim = _channel_dim()
    img_dim = 2 if image_data_format() == "channels_first" else -2
    if p is None:
        return ip
    if p.shape[img_dim] != ip.shape[img_dim]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name=f"adjust_conv_1_{block_id}",
                           kernel_initializer=_INIT)(p1)  # fmt: skip
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid", name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False, name=f"adjust_conv_2_{block_id}",
                           kernel_initializer=_INIT)(p2)  # fmt: skip
        p = layers.Concatenate(axis=channel_dim)([p1, p2])
        return _bn(p, f"adjust_bn_{block_id}")
    if p.shape[channel_dim] != filters:
        p = layers.Activation("relu")(p)
        p = layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name=f"adjust_conv_projection_{block_id}",
                          use_bias=False, kernel_initializer=_INIT)(p)  # fmt: skip
        return _bn(p, f"adjust_bn_{block_id}")
    return p


def _squeeze(ip: Any, filters: int, kind: str, block_id: str) -> Any:
    from engine import layers

    h = layers.Activation("relu")(ip)
    h = layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", name=f"{kind}_conv_1_{block_id}",
                      use_bias=False, kernel_initializer=_INIT)(h)  # fmt: skip
    return _bn(h, f"{kind}_bn_1_{block_id}")


def _normal_a_cell(ip: Any, p: Any, filters: int, block_id: str) -> tuple[Any, Any]:
    from engine import layers

    p = _adjust_block(p, ip, filters, block_id)
    h = _squeeze(ip, filters, "normal", block_id)
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5), block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.Add(name=f"normal_add_1_{block_id}")([x1_1, x1_2])
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.Add(name=f"normal_add_2_{block_id}")([x2_1, x2_2])
    x3 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_left3_{block_id}")(h)
    x3 = layers.Add(name=f"normal_add_3_{block_id}")([x3, p])
    x4_1 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_left4_{block_id}")(p)
    x4_2 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"normal_right4_{block_id}")(p)
    x4 = layers.Add(name=f"normal_add_4_{block_id}")([x4_1, x4_2])
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.Add(name=f"normal_add_5_{block_id}")([x5, h])
    x = layers.Concatenate(axis=_channel_dim(), name=f"normal_concat_{block_id}")([p, x1, x2, x3, x4, x5])
    return x, ip


def _reduction_a_cell(ip: Any, p: Any, filters: int, block_id: str) -> tuple[Any, Any]:
    from engine import layers

    p = _adjust_block(p, ip, filters, block_id)
    h = _squeeze(ip, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(padding=correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2), block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right1_{block_id}")
    x1 = layers.Add(name=f"reduction_add_1_{block_id}")([x1_1, x1_2])
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right2_{block_id}")
    x2 = layers.Add(name=f"reduction_add_2_{block_id}")([x2_1, x2_2])
    x3_1 = layers.AveragePooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left3_{block_id}")(h3)
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2), block_id=f"reduction_right3_{block_id}")
    x3 = layers.Add(name=f"reduction_add3_{block_id}")([x3_1, x3_2])
    x4 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=f"reduction_left4_{block_id}")(x1)
    x4 = layers.Add()([x2, x4])
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.Add(name=f"reduction_add4_{block_id}")([x5_1, x5_2])
    x = layers.Concatenate(axis=_channel_dim(), name=f"reduction_concat_{block_id}")([x2, x3, x4, x5])
    return x, ip


def NASNet(  # noqa: N802 - Keras's name
    input_shape: Any = None,
    penultimate_filters: int = 4032,
    num_blocks: int = 6,
    stem_block_filters: int = 96,
    skip_reduction: bool = True,
    filter_multiplier: int = 2,
    include_top: bool = True,
    weights: Any = None,
    input_tensor: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    default_size: int | None = None,
    classifier_activation: Any = "softmax",
    weights_file: str | None = None,
) -> Any:
    """The generic NASNet-A builder (``NASNetMobile``/``NASNetLarge`` fix its arguments)."""
    from engine import layers

    app = AppArgs(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
    app.validate()
    if penultimate_filters % (24 * (filter_multiplier**2)) != 0:
        raise ConfigError(
            "NASNet: for NASNet-A models, `penultimate_filters` must be a multiple of 24 * (`filter_multiplier` "
            f"** 2); received penultimate_filters={penultimate_filters}."
        )
    x, inputs = app.make_input(app.checked_input_shape(default_size or 331, 32, require_flatten=True))
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
                      name="stem_conv1", kernel_initializer=_INIT)(x)  # fmt: skip
    x = _bn(x, "stem_bn1")
    p = None
    x, p = _reduction_a_cell(x, p, filters // (filter_multiplier**2), block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters, block_id=f"{i}")
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier, block_id=f"reduce_{num_blocks}")
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier, block_id=f"{num_blocks + i + 1}")
    x, p0 = _reduction_a_cell(x, p, filters * filter_multiplier**2, block_id=f"reduce_{2 * num_blocks}")
    p = p0 if not skip_reduction else p
    for i in range(num_blocks):
        x, p = _normal_a_cell(x, p, filters * filter_multiplier**2, block_id=f"{2 * num_blocks + i + 1}")
    x = layers.Activation("relu")(x)

    def top(x: Any) -> Any:
        return layers.GlobalAveragePooling2D()(x)

    return app.finish(x, inputs, "NASNet", weights_file, "NASNet", top=top)


def _variant(public_name: str, doc: str, default_size: int, file_stem: str, **architecture: Any) -> Callable[..., Any]:
    """A fixed NASNet-A (Keras's NASNetMobile/NASNetLarge signature: ``input_shape`` first)."""

    def constructor(
        input_shape: Any = None,
        include_top: bool = True,
        weights: Any = "imagenet",
        input_tensor: Any = None,
        pooling: str | None = None,
        classes: int = 1000,
        classifier_activation: Any = "softmax",
    ) -> Any:
        return NASNet(input_shape, **architecture, include_top=include_top, weights=weights, input_tensor=input_tensor,
                      pooling=pooling, classes=classes, default_size=default_size,
                      classifier_activation=classifier_activation,
                      weights_file=f"{file_stem}.h5" if include_top else f"{file_stem}-no-top.h5")  # fmt: skip

    constructor.__name__ = constructor.__qualname__ = public_name
    constructor.__doc__ = doc
    return constructor


NASNetMobile = _variant(
    "NASNetMobile", "NASNet-A Mobile (5,326,716 parameters with the top); input 224x224.", 224, "NASNet-mobile",
    penultimate_filters=1056, num_blocks=4, stem_block_filters=32, skip_reduction=False, filter_multiplier=2,
)  # fmt: skip
NASNetLarge = _variant(
    "NASNetLarge", "NASNet-A Large (88,949,818 parameters with the top); input 331x331.", 331, "NASNet-large",
    penultimate_filters=4032, num_blocks=6, stem_block_filters=96, skip_reduction=True, filter_multiplier=2,
)  # fmt: skip


preprocess_input = preprocessor("tf")


decode_predictions = utils.decode_predictions
