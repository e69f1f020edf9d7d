"""Sequential models: adding, popping, deferred building, summary."""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend, layers, models
from engine.errors import ShapeError


def test_pop_removes_last_layer_like_the_faq():
    model = models.Sequential()
    model.add(layers.Dense(32, activation="relu", input_shape=(784,)))
    model.add(layers.Dense(32, activation="relu"))
    assert len(model.layers) == 2
    model.pop()
    assert len(model.layers) == 1
    assert model.output.shape == (None, 32)


def test_add_checks_shapes_immediately_and_keeps_model_valid():
    model = models.Sequential([layers.Input(shape=(8, 8, 3)), layers.Conv2D(4, 3)])
    with pytest.raises(ShapeError):
        model.add(layers.Concatenate())
    assert len(model.layers) == 1
    model.add(layers.Flatten())
    model.add(layers.Dense(2))
    assert model.output.shape == (None, 2)


def test_deferred_build_from_first_data():
    model = models.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    assert not model.built
    out = model.predict(np.ones((3, 6), dtype="float32"))
    assert out.shape == (3, 1)
    assert model.built and model.input.shape == (None, 6)
    assert model.count_params() == 6 * 4 + 4 + 4 + 1


def test_intermediate_output_via_submodel_and_backend_function():
    model = models.Sequential(
        [layers.Dense(6, activation="relu", input_shape=(4,), name="hidden"), layers.Dropout(0.5), layers.Dense(2)]
    )
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    sub = models.Model(inputs=model.input, outputs=model.get_layer("hidden").output)
    expected = np.maximum(x @ model.layers[0].get_weights()[0] + model.layers[0].get_weights()[1], 0)
    np.testing.assert_allclose(sub.predict(x), expected, rtol=1e-5, atol=1e-6)
    get_dropout_output = backend.function([model.input, backend.learning_phase()], [model.layers[1].output])
    test_mode = get_dropout_output([x, 0])[0]
    train_mode = get_dropout_output([x, 1])[0]
    np.testing.assert_allclose(test_mode, expected, rtol=1e-5, atol=1e-6)
    kept = train_mode != 0
    np.testing.assert_allclose(train_mode[kept], 2 * expected[kept], rtol=1e-5)
    assert (train_mode == 0).sum() > (expected == 0).sum()


def test_summary_lists_layers_and_totals():
    model = models.Sequential([layers.Dense(3, input_shape=(2,), name="d"), layers.BatchNormalization(name="bn")])
    model.layers[1].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "d (Dense)" in text and "(None, 3)" in text
    assert "Total params: 21" in text
    assert "Trainable params: 9" in text
    assert "Non-trainable params: 12" in text


def test_config_round_trip():
    model = models.Sequential([layers.Dense(3, input_shape=(2,), activation="tanh"), layers.Dense(1)], name="seq")
    clone = models.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.ones((2, 2), dtype="float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x))
    assert clone.name == "seq"
