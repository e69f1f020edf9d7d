"""VGG16 and VGG19 (Simonyan & Zisserman, 2014), with Keras's layer names and weight files."""

from __future__ import annotations

from typing import Any

from engine.applications import imagenet_utils as utils
from engine.backend import image_data_format

_BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def _vgg(
    name: str,
    include_top: bool,
    weights: Any,
    input_tensor: Any,
    input_shape: Any,
    pooling: str | None,
    classes: int,
    classifier_activation: Any,
) -> Any:
    from engine import layers

    utils.validate_weights(weights, include_top, classes)
    input_shape = utils.obtain_input_shape(
        input_shape, 224, 32, image_data_format(), require_flatten=include_top, weights=weights
    )
    x, inputs = utils.make_input(input_shape, input_tensor)
    for block, (convs, filters) in enumerate(zip(_BLOCKS[name], _FILTERS), start=1):
        for conv in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{conv}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    def top(x: Any) -> Any:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        return layers.Dense(4096, activation="relu", name="fc2")(x)

    model = utils.finish(x, inputs, name, include_top, pooling, classes, classifier_activation, top=top)
    suffix = "" if include_top else "_notop"
    utils.load_weights(model, weights, f"{name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5", name.upper())
    return model


def VGG16(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
) -> Any:
    """VGG16: 13 convolutions and 3 dense layers (138,357,544 parameters with the top)."""
    return _vgg("vgg16", include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


def VGG19(  # noqa: N802 - Keras's name
    include_top: bool = True,
    weights: Any = "imagenet",
    input_tensor: Any = None,
    input_shape: Any = None,
    pooling: str | None = None,
    classes: int = 1000,
    classifier_activation: Any = "softmax",
) -> Any:
    """VGG19: 16 convolutions and 3 dense layers (143,667,240 parameters with the top)."""
    return _vgg("vgg19", include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)


def preprocess_input(x: Any, data_format: str | None = None) -> Any:
    """Caffe-style: RGB to BGR, then subtract the ImageNet channel means."""
    return utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = utils.decode_predictions
