"""Freezing follows the Keras FAQ: trainable changes take effect at the next compile()."""

from __future__ import annotations

import numpy as np

from engine import layers, models


def test_faq_two_models_sharing_a_layer():
    x = layers.Input(shape=(32,))
    layer = layers.Dense(32)
    layer.trainable = False
    y = layer(x)
    frozen_model = models.Model(x, y)
    frozen_model.compile(optimizer="rmsprop", loss="mse")  # layer weights will not be updated

    layer.trainable = True
    trainable_model = models.Model(x, y)
    trainable_model.compile(optimizer="rmsprop", loss="mse")  # layer weights will be updated

    rng = np.random.default_rng(0)
    data = rng.standard_normal((16, 32)).astype("float32")
    labels = rng.standard_normal((16, 32)).astype("float32")
    before = layer.get_weights()
    frozen_model.fit(data, labels, verbose=0)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    trainable_model.fit(data, labels, verbose=0)
    assert not np.array_equal(before[0], layer.get_weights()[0])


def test_trainable_false_in_constructor_and_weight_lists():
    model = models.Sequential(
        [layers.Input(shape=(4,)), layers.Dense(3, trainable=False, name="frozen"), layers.Dense(2)]
    )
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_layer("frozen").get_weights()
    model.fit(np.ones((8, 4)), np.ones((8, 2)), verbose=0)
    np.testing.assert_array_equal(before[0], model.get_layer("frozen").get_weights()[0])


def test_change_without_recompile_has_no_effect_until_compile():
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(2, name="d")])
    model.compile(optimizer="sgd", loss="mse")
    model.get_layer("d").trainable = False  # not recompiled: still trained
    before = model.get_weights()[0]
    model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)
    assert not np.array_equal(before, model.get_weights()[0])
    model.compile(optimizer="sgd", loss="mse")  # now frozen
    before = model.get_weights()[0]
    model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)
    np.testing.assert_array_equal(before, model.get_weights()[0])
