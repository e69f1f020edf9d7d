"""ResNet50V2/101V2/152V2 (He et al., 2016: pre-activation), with Keras's layer names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import preprocessor
from engine.applications.resnet import BN_EPSILON, bn_axis, make_constructor


def block2(x: Any, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = False,
           name: str = "") -> Any:  # fmt: skip
    """A pre-activation bottleneck block; the stride sits on the last block of a stage, as in Keras."""
    from engine import layers

    axis = bn_axis()
    preact = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name + "_preact_bn")(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack2(x: Any, filters: int, blocks: int, stride1: int = 2, name: str = "") -> Any:
    x = block2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = block2(x, filters, name=f"{name}_block{i}")
    return block2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _v2(depths: tuple[int, int, int, int]) -> Callable[[Any], Any]:
    def stack_fn(x: Any) -> Any:
        x = stack2(x, 64, depths[0], name="conv2")
        x = stack2(x, 128, depths[1], name="conv3")
        x = stack2(x, 256, depths[2], name="conv4")
        return stack2(x, 512, depths[3], stride1=1, name="conv5")

    return stack_fn


def _make(public_name: str, depths: tuple[int, int, int, int], doc: str) -> Callable[..., Any]:
    return make_constructor(public_name, public_name.lower(), _v2(depths), True, doc)


ResNet50V2 = _make("ResNet50V2", (3, 4, 6, 3), "ResNet50V2 (25,613,800 parameters with the top).")
ResNet101V2 = _make("ResNet101V2", (3, 4, 23, 3), "ResNet101V2 (44,675,560 parameters with the top).")
ResNet152V2 = _make("ResNet152V2", (3, 8, 36, 3), "ResNet152V2 (60,380,648 parameters with the top).")


preprocess_input = preprocessor("tf", "Scale pixels to [-1, 1], as the v2 weights were trained.")


decode_predictions = utils.decode_predictions
