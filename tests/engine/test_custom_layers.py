"""A user layer with only build() and call() trains with correct gradients (the tape does the rest)."""

from __future__ import annotations

import numpy as np

from engine import layers, models, ops, optimizers, regularizers
from tests.engine.layer_harness import run_layer_checks


class ScaledTanh(layers.Layer):
    """y = tanh(x @ w) * scale + offset, written with ordinary operators and engine ops."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1], self.units), "glorot_uniform",
                                 regularizer=regularizers.l2(1e-3))  # fmt: skip
        self.scale = self.add_weight("scale", (self.units,), "ones")
        self.offset = self.add_weight("offset", (self.units,), "zeros", trainable=True)

    def call(self, inputs):
        return ops.tanh(inputs @ self.w) * self.scale + self.offset - 0.5 * (inputs @ self.w) ** 2 / 10

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_layer_passes_the_layer_harness():
    run_layer_checks(ScaledTanh, {"units": 2}, (4, 3))


def test_custom_layer_trains_and_its_penalty_counts():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = np.tanh(x @ rng.standard_normal((3, 2))).astype("float32")
    model = models.Sequential([layers.Input(shape=(3,)), ScaledTanh(2, name="mine")])
    model.compile(optimizer=optimizers.Adam(0.05), loss="mse")
    assert len(model.losses) == 1
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
