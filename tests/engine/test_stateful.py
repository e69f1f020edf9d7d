"""Stateful RNNs, point by point as in the Keras FAQ: a fixed batch size, states carried from each batch
to the next by every way of running a model, resets, and the shuffle warning."""

from __future__ import annotations

import numpy as np
import pytest

from engine import layers, models, optimizers
from engine.autograd import Tensor
from engine.errors import DataError, ShapeError
from tests.engine.host import assert_allclose, assert_array_equal

RNG = np.random.default_rng(7)


def _stateful_model(**first_kwargs) -> models.Sequential:
    kwargs = first_kwargs or {"input_shape": (10, 16), "batch_size": 32}
    return models.Sequential([layers.LSTM(32, stateful=True, **kwargs), layers.Dense(16)])


def _reference(model: models.Sequential, batches: list[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Outputs and final states of a stateless copy fed the states by hand, batch after batch."""
    lstm, dense = model.layers
    twin = layers.LSTM(32, return_state=True)
    twin(batches[0][:1])
    twin.set_weights(lstm.get_weights())
    states = [np.zeros((32, 32), "float32"), np.zeros((32, 32), "float32")]
    outputs = []
    for x in batches:
        out, h, c = twin(x, initial_state=states)
        states = [h.numpy(), c.numpy()]
        outputs.append(dense(out).numpy())
    return outputs, states


@pytest.mark.parametrize(
    "kwargs", [{"input_shape": (10, 16), "batch_size": 32}, {"batch_input_shape": (32, 10, 16)}], ids=str
)
def test_fixed_batch_size_and_clear_error(kwargs):
    model = _stateful_model(**kwargs)
    assert model.input_shape == (32, 10, 16)
    model(RNG.standard_normal((32, 10, 16)).astype("float32"))
    with pytest.raises(ShapeError, match=r"stateful.*32"):
        model(RNG.standard_normal((16, 10, 16)).astype("float32"))
    with pytest.raises(ShapeError, match=r"stateful.*32"):
        model.predict(RNG.standard_normal((48, 10, 16)).astype("float32"))
    with pytest.raises(DataError, match=r"stateful.*32"):
        model.predict(RNG.standard_normal((64, 10, 16)).astype("float32"), batch_size=16)


def test_layer_alone_reports_its_fixed_batch_size():
    layer = layers.LSTM(4, stateful=True)
    layer(np.zeros((3, 2, 5), "float32"))
    with pytest.raises(ShapeError, match=r"stateful with batch size 3"):
        layer(np.zeros((2, 2, 5), "float32"))


def test_predict_carries_states_batch_to_batch():
    model = _stateful_model()
    x1, x2 = (RNG.standard_normal((32, 10, 16)).astype("float32") for _ in range(2))
    (e1, e2), states = _reference(model, [x1, x2])
    got = model.predict(np.concatenate([x1, x2]))
    assert_allclose(got, np.concatenate([e1, e2]), atol=1e-5)
    assert_allclose(model.layers[0].states[0], states[0], atol=1e-5)
    assert_allclose(model.layers[0].states[1], states[1], atol=1e-5)
    model.reset_states()
    assert_allclose(model.predict(x1), e1, atol=1e-5)


def test_predict_on_batch_carries_states():
    model = _stateful_model()
    x1, x2 = (RNG.standard_normal((32, 10, 16)).astype("float32") for _ in range(2))
    (e1, e2), _ = _reference(model, [x1, x2])
    assert_allclose(model.predict_on_batch(x1), e1, atol=1e-5)
    assert_allclose(model.predict_on_batch(x2), e2, atol=1e-5)


@pytest.mark.parametrize("how", ["fit", "train_on_batch", "test_on_batch"])
def test_training_and_evaluation_carry_states(how):
    model = _stateful_model()
    model.compile(optimizers.SGD(learning_rate=0.0), "mse")  # frozen weights: only the states move
    x1, x2 = (RNG.standard_normal((32, 10, 16)).astype("float32") for _ in range(2))
    y = np.zeros((64, 16), "float32")
    _, states = _reference(model, [x1, x2])
    if how == "fit":
        model.fit(np.concatenate([x1, x2]), y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    else:
        step = getattr(model, how)
        step(x1, y[:32])
        step(x2, y[32:])
    lstm = model.layers[0]
    assert_allclose(lstm.states[0], states[0], atol=1e-5)
    assert_allclose(lstm.states[1], states[1], atol=1e-5)
    assert not isinstance(lstm.states[0], Tensor)  # plain arrays: no gradient flows into earlier batches


def test_evaluate_carries_states():
    model = _stateful_model()
    model.compile("sgd", "mse")
    x = RNG.standard_normal((64, 10, 16)).astype("float32")
    _, states = _reference(model, [x[:32], x[32:]])
    model.evaluate(x, np.zeros((64, 16)), batch_size=32, verbose=0)
    assert_allclose(model.layers[0].states[0], states[0], atol=1e-5)


def test_training_updates_weights_with_carried_states():
    model = _stateful_model()
    model.compile("adam", "mse")
    x = RNG.standard_normal((32, 10, 16)).astype("float32")
    first = model.train_on_batch(x, np.ones((32, 16)))
    second = model.train_on_batch(x, np.ones((32, 16)))
    assert np.isfinite(first) and np.isfinite(second)


def test_reset_states_model_and_layer():
    model = _stateful_model()
    x = RNG.standard_normal((32, 10, 16)).astype("float32")
    model.predict(x)
    lstm = model.layers[0]
    assert np.abs(lstm.states[0]).sum() > 0
    model.reset_states()
    assert all(np.all(s == 0) for s in lstm.states)
    model.predict(x)
    lstm.reset_states()
    assert all(np.all(s == 0) for s in lstm.states)
    values = [np.full((32, 32), 0.5, "float32"), np.full((32, 32), -0.5, "float32")]
    lstm.reset_states(values)
    assert_array_equal(lstm.states[1], values[1])
    twin = layers.LSTM(32)
    twin(x[:1])
    twin.set_weights(lstm.get_weights())
    expected = model.layers[1](twin(x, initial_state=values)).numpy()
    assert_allclose(model.predict(x), expected, atol=1e-5)
    with pytest.raises(ShapeError, match="expects shape"):
        lstm.reset_states([np.zeros((4, 32)), np.zeros((4, 32))])


def test_faq_example_runs_as_written():
    x = RNG.standard_normal((32, 21, 16)).astype("float32")
    model = models.Sequential(
        [layers.LSTM(32, input_shape=(10, 16), batch_size=32, stateful=True), layers.Dense(16, activation="softmax")]
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    # train the network to output the first timestep after the first 10 timesteps...
    model.train_on_batch(x[:, :10, :], np.reshape(x[:, 10, :], (32, 16)))
    # ...then the next timestep after the next 10: the state of the LSTM layer carries over.
    model.train_on_batch(x[:, 10:20, :], np.reshape(x[:, 20, :], (32, 16)))
    carried = [s.copy() for s in model.layers[0].states]
    assert np.abs(carried[0]).sum() > 0
    model.reset_states()  # or model.layers[0].reset_states()
    assert np.all(model.layers[0].states[0] == 0)


def test_fit_with_shuffle_warns_on_stateful_models():
    model = _stateful_model()
    model.compile("sgd", "mse")
    x, y = RNG.standard_normal((32, 10, 16)).astype("float32"), np.zeros((32, 16), "float32")
    with pytest.warns(UserWarning, match="shuffle=False"):
        model.fit(x, y, batch_size=32, epochs=1, shuffle=True, verbose=0)


def test_stateful_bidirectional_and_gru():
    model = models.Sequential(
        [layers.Bidirectional(layers.GRU(3, stateful=True), batch_input_shape=(2, 4, 5)), layers.Dense(1)]
    )
    x = RNG.standard_normal((2, 4, 5)).astype("float32")
    a, b = model.predict(x), model.predict(x)
    assert not np.allclose(a, b)
    model.reset_states()
    assert_allclose(model.predict(x), a, atol=1e-6)
