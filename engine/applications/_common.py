"""The constructor plumbing most applications share, so each family module keeps only its own network.

Keras's application constructors all take the same seven arguments, check them the same way, end in the
same head (``include_top``/``pooling``/``classes``) and load a weight file by layer name; ``AppArgs`` carries
those arguments and does those steps, and ``keras_application`` gives a builder Keras's signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.applications import imagenet_utils as utils
from engine.backend import image_data_format


def global_average_pool(x: Any) -> Any:
    """The top most families put before the classifier: ``GlobalAveragePooling2D`` named 'avg_pool'."""
    from engine import layers

    return layers.GlobalAveragePooling2D(name="avg_pool")(x)


def channels_first() -> bool:
    return image_data_format() == "channels_first"


def square_default_size(input_shape: Any, sizes: tuple[int, ...], fallback: int = 224) -> int:
    """The default size Keras's MobileNets pick: a square ``input_shape`` whose side has published weights."""
    if input_shape is not None and len(input_shape) == 3:
        rows_cols = input_shape[1:] if channels_first() else input_shape[:2]
        if rows_cols[0] == rows_cols[1] and rows_cols[0] in sizes:
            return rows_cols[0]
    return fallback


def input_rows(input_shape: tuple) -> Any:
    return input_shape[1] if channels_first() else input_shape[0]


_PREPROCESS_DOCS = {
    "caffe": "Caffe-style: RGB to BGR, then subtract the ImageNet channel means.",
    "tf": "Scale pixels to [-1, 1].",
    "torch": "Torch-style: scale to [0, 1], then normalise by the ImageNet channel mean and std.",
}


def preprocessor(mode: str, doc: str | None = None) -> Callable[..., Any]:
    """A family module's ``preprocess_input``: Keras's ImageNet preprocessing in the mode its weights expect."""

    def preprocess_input(x: Any, data_format: str | None = None) -> Any:
        return utils.preprocess_input(x, data_format=data_format, mode=mode)

    preprocess_input.__doc__ = doc or _PREPROCESS_DOCS[mode]
    preprocess_input.__qualname__ = "preprocess_input"
    return preprocess_input


@dataclass(frozen=True)
class AppArgs:
    """The seven arguments every Keras application takes, with the checks and steps that use only them."""

    include_top: bool = True
    weights: Any = "imagenet"
    input_tensor: Any = None
    input_shape: Any = None
    pooling: str | None = None
    classes: int = 1000
    classifier_activation: Any = "softmax"

    def validate(self) -> None:
        utils.validate_weights(self.weights, self.include_top, self.classes)

    def checked_input_shape(self, default_size: int, min_size: int, require_flatten: bool | None = None) -> tuple:
        """Keras's ``obtain_input_shape`` for these arguments (``require_flatten`` defaults to ``include_top``)."""
        flatten = self.include_top if require_flatten is None else require_flatten
        return utils.obtain_input_shape(
            self.input_shape, default_size, min_size, image_data_format(), require_flatten=flatten, weights=self.weights
        )

    def square_input_shape(self, sizes: tuple[int, ...]) -> tuple[tuple, Any]:
        """The MobileNets' checks: (input shape, its rows), defaulting to a square ``input_shape`` in ``sizes``."""
        self.validate()
        input_shape = self.checked_input_shape(square_default_size(self.input_shape, sizes), 32)
        return input_shape, input_rows(input_shape)

    def make_input(self, input_shape: tuple) -> tuple[Any, Any]:
        return utils.make_input(input_shape, self.input_tensor)

    def start(self, default_size: int, min_size: int) -> tuple[Any, Any]:
        """Check the arguments in Keras's order; (the image tensor to build on, the model's inputs)."""
        self.validate()
        return self.make_input(self.checked_input_shape(default_size, min_size))

    def weights_file(self, stem: str) -> str:
        """Keras's weight file name for most families: ``<stem>_weights_tf_dim_ordering_tf_kernels[_notop].h5``."""
        return f"{stem}_weights_tf_dim_ordering_tf_kernels{'' if self.include_top else '_notop'}.h5"

    def finish(
        self, x: Any, inputs: Any, name: str, file_name: str | None, family: str,
        top: Callable[[Any], Any] | None = global_average_pool,
    ) -> Any:  # fmt: skip
        """Add the head or the pooling, wrap the ``Model`` named ``name`` and load the weights by layer name."""
        model = utils.finish(
            x, inputs, name, self.include_top, self.pooling, self.classes, self.classifier_activation, top=top
        )
        utils.load_weights(model, self.weights, file_name, family)
        return model


def keras_application(build: Callable[[AppArgs], Any], name: str, doc: str) -> Callable[..., Any]:
    """A constructor ``name`` with Keras's application signature and defaults that hands ``build`` its arguments."""

    def constructor(
        include_top: bool = True,
        weights: Any = "imagenet",
        input_tensor: Any = None,
        input_shape: Any = None,
        pooling: str | None = None,
        classes: int = 1000,
        classifier_activation: Any = "softmax",
    ) -> Any:
        return build(AppArgs(include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation))

    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = doc
    constructor.__module__ = build.__module__
    return constructor
