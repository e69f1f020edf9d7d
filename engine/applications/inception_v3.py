"""InceptionV3 (Szegedy et al., 2015), built as Keras builds it (``conv2d_N``/``mixedN`` names)."""

from __future__ import annotations

from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, keras_application, preprocessor
from engine.backend import image_data_format


def _axis() -> int:
    return 1 if image_data_format() == "channels_first" else 3


def conv2d_bn(x: Any, filters: int, num_row: int, num_col: int, padding: str = "same", strides: tuple = (1, 1),
              name: str | None = None) -> Any:  # fmt: skip
    """Convolution (no bias), BatchNormalization without scale, ReLU."""
    from engine import layers

    conv_name = None if name is None else name + "_conv"
    bn_name = None if name is None else name + "_bn"
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding, use_bias=False,
                      name=conv_name)(x)  # fmt: skip
    x = layers.BatchNormalization(axis=_axis(), scale=False, name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def _avg_branch(x: Any, filters: int) -> Any:
    from engine import layers

    pool = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(pool, filters, 1, 1)


def _inception_v3(app: AppArgs) -> Any:
    from engine import layers

    x, inputs = app.start(default_size=299, min_size=75)
    axis = _axis()

    def concat(tensors: list[Any], name: str | None = None) -> Any:
        return layers.Concatenate(axis=axis, name=name)(tensors)

    x = conv2d_bn(x, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    # mixed 0, 1, 2: 35 x 35 x 256/288
    for index, pool_filters in enumerate((32, 64, 64)):
        branch1x1 = conv2d_bn(x, 64, 1, 1)
        branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
        branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
        branch_pool = _avg_branch(x, pool_filters)
        x = concat([branch1x1, branch5x5, branch3x3dbl, branch_pool], name=f"mixed{index}")

    # mixed 3: 17 x 17 x 768
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concat([branch3x3, branch3x3dbl, branch_pool], name="mixed3")

    # mixed 4, 5, 6, 7: 17 x 17 x 768
    for index, width in ((4, 128), (5, 160), (6, 160), (7, 192)):
        branch1x1 = conv2d_bn(x, 192, 1, 1)
        branch7x7 = conv2d_bn(conv2d_bn(conv2d_bn(x, width, 1, 1), width, 1, 7), 192, 7, 1)
        branch7x7dbl = conv2d_bn(x, width, 1, 1)
        branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
        branch7x7dbl = conv2d_bn(branch7x7dbl, width, 1, 7)
        branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
        branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
        branch_pool = _avg_branch(x, 192)
        x = concat([branch1x1, branch7x7, branch7x7dbl, branch_pool], name=f"mixed{index}")

    # mixed 8: 8 x 8 x 1280
    branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concat([branch3x3, branch7x7x3, branch_pool], name="mixed8")

    # mixed 9, 10: 8 x 8 x 2048
    for i in range(2):
        branch1x1 = conv2d_bn(x, 320, 1, 1)
        branch3x3 = conv2d_bn(x, 384, 1, 1)
        branch3x3 = concat([conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)], name=f"mixed9_{i}")
        branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
        branch3x3dbl = concat([conv2d_bn(branch3x3dbl, 384, 1, 3), conv2d_bn(branch3x3dbl, 384, 3, 1)])
        branch_pool = _avg_branch(x, 192)
        x = concat([branch1x1, branch3x3, branch3x3dbl, branch_pool], name=f"mixed{9 + i}")

    return app.finish(x, inputs, "inception_v3", app.weights_file("inception_v3"), "InceptionV3")


InceptionV3 = keras_application(
    _inception_v3, "InceptionV3", "InceptionV3 (23,851,784 parameters with the top); default input 299x299."
)


preprocess_input = preprocessor("tf")


decode_predictions = utils.decode_predictions
