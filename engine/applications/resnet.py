"""ResNet50/101/152 (He et al., 2015), built as Keras's ``applications.resnet`` builds them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, keras_application, preprocessor
from engine.backend import image_data_format

BN_EPSILON = 1.001e-5


def bn_axis() -> int:
    return 3 if image_data_format() == "channels_last" else 1


def build_resnet(stack_fn: Callable[[Any], Any], preact: bool, use_bias: bool, model_name: str, app: AppArgs) -> Any:
    """The ResNet trunk shared by v1 and v2: stem, ``stack_fn``'s stages, optional post-activation, head."""
    from engine import layers

    x, inputs = app.start(default_size=224, min_size=32)
    axis = bn_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(x)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name="conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name="post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)

    return app.finish(x, inputs, model_name, app.weights_file(model_name), model_name)


def block1(x: Any, filters: int, kernel_size: int = 3, stride: int = 1, conv_shortcut: bool = True,
           name: str = "") -> Any:  # fmt: skip
    """A bottleneck residual block (1x1, kxk, 1x1 convolutions) with post-activation."""
    from engine import layers

    axis = bn_axis()
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(axis=axis, epsilon=BN_EPSILON, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack1(x: Any, filters: int, blocks: int, stride1: int = 2, name: str = "") -> Any:
    x = block1(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def _v1(depths: tuple[int, int, int, int]) -> Callable[[Any], Any]:
    def stack_fn(x: Any) -> Any:
        x = stack1(x, 64, depths[0], stride1=1, name="conv2")
        x = stack1(x, 128, depths[1], name="conv3")
        x = stack1(x, 256, depths[2], name="conv4")
        return stack1(x, 512, depths[3], name="conv5")

    return stack_fn


def make_constructor(public_name: str, name: str, stack_fn: Callable[[Any], Any], preact: bool, doc: str
                     ) -> Callable[..., Any]:  # fmt: skip
    """A Keras-signature constructor for one ResNet variant (shared by the v1 and v2 families)."""
    return keras_application(lambda app: build_resnet(stack_fn, preact, True, name, app), public_name, doc)


def _make(public_name: str, depths: tuple[int, int, int, int], doc: str) -> Callable[..., Any]:
    return make_constructor(public_name, public_name.lower(), _v1(depths), False, doc)


ResNet50 = _make("ResNet50", (3, 4, 6, 3), "ResNet50 (25,636,712 parameters with the top).")
ResNet101 = _make("ResNet101", (3, 4, 23, 3), "ResNet101 (44,707,176 parameters with the top).")
ResNet152 = _make("ResNet152", (3, 8, 36, 3), "ResNet152 (60,419,944 parameters with the top).")


preprocess_input = preprocessor("caffe")


decode_predictions = utils.decode_predictions
