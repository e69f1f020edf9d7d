"""VGG16 and VGG19 (Simonyan & Zisserman, 2014), with Keras's layer names and weight files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.applications import imagenet_utils as utils
from engine.applications._common import AppArgs, keras_application, preprocessor

_BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def _vgg(name: str, doc: str) -> Callable[..., Any]:
    def build(app: AppArgs) -> Any:
        from engine import layers

        x, inputs = app.start(default_size=224, min_size=32)
        for block, (convs, filters) in enumerate(zip(_BLOCKS[name], _FILTERS), start=1):
            for conv in range(1, convs + 1):
                x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{conv}")(
                    x
                )
            x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

        def top(x: Any) -> Any:
            x = layers.Flatten(name="flatten")(x)
            x = layers.Dense(4096, activation="relu", name="fc1")(x)
            return layers.Dense(4096, activation="relu", name="fc2")(x)

        return app.finish(x, inputs, name, app.weights_file(name), name.upper(), top=top)

    return keras_application(build, name.upper(), doc)


VGG16 = _vgg("vgg16", "VGG16: 13 convolutions and 3 dense layers (138,357,544 parameters with the top).")
VGG19 = _vgg("vgg19", "VGG19: 16 convolutions and 3 dense layers (143,667,240 parameters with the top).")


preprocess_input = preprocessor("caffe")


decode_predictions = utils.decode_predictions
