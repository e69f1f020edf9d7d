"""Bidirectional and TimeDistributed: table rows (shapes, gradients, config) and Keras semantics."""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend, layers, models
from engine.autograd import Tensor
from engine.errors import ConfigError, ShapeError
from tests.engine.gradcheck import check_layer_gradients
from tests.engine.layer_harness import run_layer_checks

SEQ = (2, 4, 3)


def _lstm(**kw):
    return {"class_name": "LSTM", "config": {"units": 2, **kw}}


def _cfg(class_name, **kw):
    return {"class_name": class_name, "config": kw}


CASES = [
    (layers.Bidirectional, {"layer": _lstm()}, SEQ, (2, 4)),
    (layers.Bidirectional, {"layer": _lstm(return_sequences=True)}, SEQ, (2, 4, 4)),
    (layers.Bidirectional, {"layer": _lstm(return_sequences=True), "merge_mode": "sum"}, SEQ, (2, 4, 2)),
    (layers.Bidirectional, {"layer": _cfg("GRU", units=2), "merge_mode": "mul"}, SEQ, (2, 2)),
    (layers.Bidirectional, {"layer": _cfg("SimpleRNN", units=3), "merge_mode": "ave"}, SEQ, None),
    (layers.TimeDistributed, {"layer": _cfg("Dense", units=3)}, SEQ, (2, 4, 3)),
    (layers.TimeDistributed, {"layer": _cfg("Dense", units=2, activation="tanh")}, (2, 3, 2, 3), (2, 3, 2, 2)),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "kwargs", "shape", "expected"), CASES, ids=str)
def test_wrapper_layer(cls, kwargs, shape, expected):
    run_layer_checks(cls, kwargs, shape, expected_output_shape=expected)


def test_bidirectional_names_weights_and_directions():
    backend.set_floatx("float64")
    inner = layers.LSTM(3, return_sequences=True, name="enc")
    bi = layers.Bidirectional(inner)
    x = np.random.default_rng(0).standard_normal(SEQ)
    out = bi(x).numpy()
    assert bi.forward_layer.name == "forward_enc" and bi.backward_layer.name == "backward_enc"
    assert bi.backward_layer.go_backwards and not bi.forward_layer.go_backwards
    assert [w.shape for w in bi.weights] == [(3, 12), (3, 12), (12,)] * 2
    assert bi.weights[0] is bi.forward_layer.weights[0] and bi.weights[3] is bi.backward_layer.weights[0]
    forward = bi.forward_layer(x).numpy()
    backward = bi.backward_layer(x).numpy()[:, ::-1]
    np.testing.assert_allclose(out, np.concatenate([forward, backward], axis=-1))


def test_bidirectional_merge_none_and_return_state():
    backend.set_floatx("float64")
    x = np.random.default_rng(1).standard_normal(SEQ)
    pair = layers.Bidirectional(layers.GRU(2), merge_mode=None)(x)
    assert isinstance(pair, list) and len(pair) == 2
    bi = layers.Bidirectional(layers.LSTM(2, return_state=True))
    outputs = bi(x)
    assert [tuple(o.shape) for o in outputs] == [(2, 4)] + [(2, 2)] * 4
    assert bi.compute_output_shape((None, 4, 3)) == [(None, 4)] + [(None, 2)] * 4
    symbolic = layers.Bidirectional(layers.LSTM(2, return_state=True))(layers.Input((4, 3)))
    assert len(symbolic) == 5


def test_bidirectional_with_initial_state_and_custom_backward_layer():
    backend.set_floatx("float64")
    x = np.random.default_rng(2).standard_normal(SEQ)
    bi = layers.Bidirectional(layers.GRU(2), backward_layer=layers.GRU(2, go_backwards=True))
    states = [np.ones((2, 2)), -np.ones((2, 2))]
    assert not np.allclose(bi(x, initial_state=states).numpy(), bi(x).numpy())
    with pytest.raises(ConfigError, match="go_backwards"):
        layers.Bidirectional(layers.GRU(2), backward_layer=layers.GRU(2))
    with pytest.raises(ConfigError, match="merge_mode"):
        layers.Bidirectional(layers.GRU(2), merge_mode="max")
    with pytest.raises(ConfigError, match="recurrent"):
        layers.Bidirectional(layers.Dense(2))


def test_bidirectional_masked_sequences_zero_padded_steps():
    backend.set_floatx("float64")
    x = np.random.default_rng(3).standard_normal(SEQ)
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    bi = layers.Bidirectional(layers.LSTM(2, return_sequences=True))
    out = bi._call_eager(Tensor(x), mask=mask).numpy()
    np.testing.assert_allclose(out[0, 3], 0.0)
    np.testing.assert_allclose(out[1, 2:], 0.0)
    check = layers.Bidirectional(layers.LSTM(2, return_sequences=True))
    check(x)
    check_layer_gradients(check, x)


def test_time_distributed_shares_weights_and_keeps_mask():
    dense = layers.Dense(3)
    td = layers.TimeDistributed(dense)
    x = np.random.default_rng(4).standard_normal((2, 5, 4)).astype("float32")
    out = td(x).numpy()
    np.testing.assert_allclose(out[:, 2], dense(x[:, 2]).numpy(), rtol=1e-6)
    assert td.weights == dense.weights
    model = models.Sequential([layers.Input((5, 4)), layers.Masking(), td, layers.LSTM(2)])
    assert model.predict(x).shape == (2, 2)
    with pytest.raises(ShapeError, match="rank >= 3"):
        layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3), "float32"))


def test_bidirectional_in_a_model_trains_and_round_trips_config():
    model = models.Sequential(
        [
            layers.Input((4, 3)),
            layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
            layers.TimeDistributed(layers.Dense(1)),
        ]
    )
    model.compile("adam", "mse")
    x = np.random.default_rng(5).standard_normal((6, 4, 3)).astype("float32")
    history = model.fit(x, np.zeros((6, 4, 1)), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    clone = models.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x), model.predict(x), atol=1e-6)
