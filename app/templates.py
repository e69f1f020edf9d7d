"""Starting points: valid models a person can open from the Templates menu.

Each template is built with the engine's own API and turned into a document,
so a template is listed only when the engine has every layer it needs. The
application templates are Keras's ImageNet architectures (engine.applications)
with random weights: big graphs, so the window builds them behind a wait cursor.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from app.conversion import from_model
from app.document import DesignDocument
from engine.saving.object_registration import lookup


@dataclass(frozen=True)
class Template:
    title: str
    description: str
    needs: tuple[str, ...]
    build: Callable[[], object]

    def available(self) -> bool:
        return all(lookup(name, "layer") is not None for name in self.needs)

    def document(self) -> DesignDocument:
        return from_model(self.build(), weights=False)


def _layers(*names: str) -> list:
    return [lookup(name, "layer") for name in names]


def _mlp() -> object:
    from engine.layers.core.input_layer import Input
    from engine.models import Model

    Flatten, Dense, Dropout = _layers("Flatten", "Dense", "Dropout")
    inputs = Input((8, 8), name="pixels")
    x = Flatten(name="flatten")(inputs)
    x = Dense(64, activation="relu", name="hidden")(x)
    x = Dropout(0.2, name="dropout")(x)
    outputs = Dense(10, activation="softmax", name="digit")(x)
    return Model(inputs, outputs, name="digits_mlp")


def _cnn() -> object:
    from engine.layers.core.input_layer import Input
    from engine.models import Model

    Conv2D, MaxPooling2D, Flatten, Dense, Dropout = _layers("Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout")
    inputs = Input((28, 28, 1), name="image")
    x = Conv2D(32, 3, activation="relu", name="conv_1")(inputs)
    x = MaxPooling2D(2, name="pool_1")(x)
    x = Conv2D(64, 3, activation="relu", name="conv_2")(x)
    x = MaxPooling2D(2, name="pool_2")(x)
    x = Flatten(name="flatten")(x)
    x = Dropout(0.5, name="dropout")(x)
    outputs = Dense(10, activation="softmax", name="digit")(x)
    return Model(inputs, outputs, name="mnist_cnn")


def _lstm() -> object:
    from engine.layers.core.input_layer import Input
    from engine.models import Model

    LSTM, Dense = _layers("LSTM", "Dense")
    inputs = Input((None, 16), name="sequence")
    x = LSTM(64, name="lstm")(inputs)
    outputs = Dense(1, activation="sigmoid", name="label")(x)
    return Model(inputs, outputs, name="sequence_classifier")


def _stateful_lstm() -> object:
    from engine.layers.core.input_layer import Input
    from engine.models import Model

    LSTM, Dense = _layers("LSTM", "Dense")
    inputs = Input((10, 16), batch_size=32, name="chunk")
    x = LSTM(32, return_sequences=True, stateful=True, name="lstm_1")(inputs)
    x = LSTM(32, stateful=True, name="lstm_2")(x)
    outputs = Dense(10, activation="softmax", name="label")(x)
    return Model(inputs, outputs, name="stateful_lstm")


def _shared_lstm() -> object:
    from engine.layers.core.input_layer import Input
    from engine.models import Model

    LSTM, Dense, Concatenate = _layers("LSTM", "Dense", "Concatenate")
    tweet_a = Input((280, 256), name="tweet_a")
    tweet_b = Input((280, 256), name="tweet_b")
    shared = LSTM(64, name="shared_lstm")
    merged = Concatenate(axis=-1, name="merge")([shared(tweet_a), shared(tweet_b)])
    outputs = Dense(1, activation="sigmoid", name="same_author")(merged)
    return Model([tweet_a, tweet_b], outputs, name="shared_lstm")


TEMPLATES = [
    Template("MLP (digits)", "Dense classifier for the bundled 8x8 digits", ("Flatten", "Dense", "Dropout"), _mlp),
    Template(
        "CNN (MNIST)",
        "Two conv blocks and a dense head for 28x28 images",
        ("Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout"),
        _cnn,
    ),
    Template("LSTM sequence classifier", "One LSTM reading variable-length sequences", ("LSTM", "Dense"), _lstm),
    Template(
        "Stateful LSTM", "Two stateful LSTMs: the batch size is part of the input", ("LSTM", "Dense"), _stateful_lstm
    ),
    Template(
        "Two-input shared LSTM", "The Keras FAQ's shared-layer model", ("LSTM", "Dense", "Concatenate"), _shared_lstm
    ),
]


def _application(name: str) -> Callable[[], object]:
    def build() -> object:
        import engine.applications

        return getattr(engine.applications, name)(weights=None, include_top=True)

    return build


# (constructor, default input side, published parameter count in millions)
_APPLICATIONS = (
    ("VGG16", 224, 138.4),
    ("VGG19", 224, 143.7),
    ("ResNet50", 224, 25.6),
    ("ResNet101", 224, 44.7),
    ("ResNet152", 224, 60.4),
    ("ResNet50V2", 224, 25.6),
    ("ResNet101V2", 224, 44.7),
    ("ResNet152V2", 224, 60.4),
    ("InceptionV3", 299, 23.9),
    ("InceptionResNetV2", 299, 55.9),
    ("Xception", 299, 22.9),
    ("MobileNet", 224, 4.3),
    ("MobileNetV2", 224, 3.5),
    ("DenseNet121", 224, 8.1),
    ("DenseNet169", 224, 14.3),
    ("DenseNet201", 224, 20.2),
    ("NASNetMobile", 224, 5.3),
    ("NASNetLarge", 331, 88.9),
)

APPLICATION_TEMPLATES = [
    Template(
        name,
        f"Keras's {name}: {side}x{side}x3 images, 1000 ImageNet classes, {millions}M parameters (random weights)",
        (),
        _application(name),
    )
    for name, side, millions in _APPLICATIONS
]


def application_templates() -> list[Template]:
    """The engine.applications architectures (empty when the engine has no applications package)."""
    return APPLICATION_TEMPLATES if importlib.util.find_spec("engine.applications") is not None else []


def available_templates() -> list[Template]:
    return [t for t in TEMPLATES if t.available()]


def demo_document() -> DesignDocument:
    """The model the studio opens with: an MLP for the bundled digits."""
    return TEMPLATES[0].document()
