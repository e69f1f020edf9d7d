"""Reading the real-Keras reference fixtures in tests/fixtures/ (weights read with h5py directly)."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from engine import layers, models, regularizers
from engine.layers.naming import to_snake_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VERSIONS = ["keras", "keras2"]


def path(version: str, name: str) -> Path:
    return FIXTURES / version / name


def load_json(version: str, name: str) -> dict:
    return json.loads(path(version, name).read_text())


def build_mlp(with_dropout: bool) -> models.Sequential:
    stack = [
        layers.Input(shape=(20,)),
        layers.Dense(32, activation="relu", kernel_regularizer=regularizers.L2(1e-3)),
    ]
    if with_dropout:
        stack.append(layers.Dropout(0.3))
    stack += [layers.BatchNormalization(), layers.Dense(4, activation="softmax")]
    return models.Sequential(stack, name="mlp")


def build_cnn() -> models.Sequential:
    return models.Sequential(
        [
            layers.Input(shape=(12, 12, 1)),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 3, padding="valid"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ],
        name="cnn",
    )


def load_v3_weights(model: models.Model, file: Path) -> None:
    """Assign a ``.weights.h5`` ("v3" layout) file's variables to ``model``, layer by layer."""
    counters: dict[str, int] = {}
    with h5py.File(file, "r") as handle:
        for layer in model.layers:
            base = to_snake_case(type(layer).__name__)
            index = counters.get(base, 0)
            counters[base] = index + 1
            key = base if index == 0 else f"{base}_{index}"
            group = handle["layers"][key]["vars"]
            arrays = [np.asarray(group[k]) for k in sorted(group.keys(), key=int)]
            layer.set_weights(arrays)


def load_legacy_h5_weights(model: models.Model, file: Path) -> None:
    """Assign the ``model_weights`` group of a legacy full-model ``.h5`` file by layer name."""
    with h5py.File(file, "r") as handle:
        root = handle["model_weights"]
        for layer in model.layers:
            if not layer.weights:
                continue
            group = root[layer.name]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            layer.set_weights([np.asarray(group[n]) for n in names])
