"""Starting points: small, valid models a person can open from the Templates menu.

Each template is built with the engine's own API and turned into a document,
so a template is listed only when the engine has every layer it needs.
"""

from __future__ import annotations

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


def available_templates() -> list[Template]:
    return [t for t in TEMPLATES if t.available()]


def demo_document() -> DesignDocument:
    """The model the studio opens with: an MLP for the bundled digits."""
    return TEMPLATES[0].document()
