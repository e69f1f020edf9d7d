"""Recurrent layers: the layer table (shapes, symbolic call, float64 gradient checks, config round trip),
then gradient checks of what the table cannot express (masks, initial states, return_state)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend, layers, ops
from engine.autograd import Tensor
from engine.errors import ConfigError, ShapeError
from tests.engine.gradcheck import check_gradients
from tests.engine.host import assert_allclose, assert_array_equal
from tests.engine.layer_harness import run_layer_checks

SEQ = (2, 4, 3)
CASES = [
    (layers.SimpleRNN, {"units": 3}, SEQ, (2, 3)),
    (layers.SimpleRNN, {"units": 3, "return_sequences": True, "activation": "relu"}, SEQ, (2, 4, 3)),
    (layers.SimpleRNN, {"units": 2, "go_backwards": True, "return_sequences": True, "use_bias": False}, SEQ, None),
    (layers.SimpleRNN, {"units": 2, "activation": "softsign"}, SEQ, None),  # generic (unfused) path
    (layers.LSTM, {"units": 3}, SEQ, (2, 3)),
    (layers.LSTM, {"units": 3, "return_sequences": True}, SEQ, (2, 4, 3)),
    (layers.LSTM, {"units": 2, "go_backwards": True, "return_sequences": True}, SEQ, None),
    (layers.LSTM, {"units": 2, "use_bias": False, "unit_forget_bias": False}, SEQ, None),
    (layers.LSTM, {"units": 2, "recurrent_activation": "hard_sigmoid", "activation": "relu"}, SEQ, None),
    (layers.LSTM, {"units": 2, "activation": "elu", "return_sequences": True}, SEQ, None),  # generic path
    (layers.LSTM, {"units": 2, "dropout": 0.5, "recurrent_dropout": 0.3}, SEQ, None),  # dropout off in inference
    (layers.GRU, {"units": 3}, SEQ, (2, 3)),
    (layers.GRU, {"units": 3, "return_sequences": True}, SEQ, (2, 4, 3)),
    (layers.GRU, {"units": 3, "reset_after": False, "return_sequences": True}, SEQ, None),
    (layers.GRU, {"units": 2, "reset_after": False, "go_backwards": True}, SEQ, None),
    (layers.GRU, {"units": 2, "go_backwards": True, "return_sequences": True, "use_bias": False}, SEQ, None),
    (layers.GRU, {"units": 2, "activation": "softsign", "reset_after": False}, SEQ, None),  # generic path
    (layers.GRU, {"units": 2, "activation": "softsign", "return_sequences": True}, SEQ, None),  # generic path
    (layers.GRU, {"units": 2, "dropout": 0.2, "recurrent_dropout": 0.2}, SEQ, None),
    (layers.RNN, {}, SEQ, (2, 2)),  # the cell is made in the test, in float64
    (layers.RNN, {"stacked": True, "return_sequences": True}, SEQ, (2, 4, 2)),
    (layers.ConvLSTM2D, {"filters": 2, "kernel_size": 2}, (1, 2, 4, 4, 1), (1, 3, 3, 2)),
    (
        layers.ConvLSTM2D,
        {"filters": 2, "kernel_size": 2, "padding": "same", "return_sequences": True, "go_backwards": True},
        (1, 2, 3, 3, 1),
        (1, 2, 3, 3, 2),
    ),
    (
        layers.ConvLSTM2D,
        {"filters": 1, "kernel_size": 2, "data_format": "channels_first"},
        (1, 2, 1, 3, 3),
        (1, 1, 2, 2),
    ),
]


@pytest.mark.parametrize(("cls", "kwargs", "shape", "expected"), CASES, ids=str)
def test_recurrent_layer(cls, kwargs, shape, expected):
    kwargs = dict(kwargs)
    if cls is layers.RNN:
        backend.set_floatx("float64")  # the cell's weights are made in float64 like the layer's
        cell = [layers.GRUCell(3), layers.LSTMCell(2)] if kwargs.pop("stacked", False) else layers.LSTMCell(2)
        kwargs = {**kwargs, "cell": cell}
    run_layer_checks(cls, kwargs, shape, expected_output_shape=expected)


def _float64():
    backend.set_floatx("float64")
    return np.random.default_rng(0)


MASK = np.array([[True, True, False, True], [False, True, True, False]])


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (layers.SimpleRNN, {}),
        (layers.LSTM, {}),
        (layers.GRU, {}),
        (layers.GRU, {"reset_after": False}),
        (layers.LSTM, {"activation": "softsign"}),
        (layers.GRU, {"recurrent_activation": "softsign"}),
    ],
    ids=str,
)
@pytest.mark.parametrize("options", [{}, {"go_backwards": True}, {"zero_output_for_mask": True}], ids=str)
def test_masked_gradients_and_semantics(cls, kwargs, options):
    rng = _float64()
    layer = cls(3, return_sequences=True, **kwargs, **options)
    x = rng.standard_normal(SEQ)
    out = layer._call_eager(Tensor(x), mask=MASK).numpy()
    seq_mask = MASK[:, ::-1] if options.get("go_backwards") else MASK
    for b in range(2):
        for t in range(1, 4):
            if not seq_mask[b, t]:
                expected = 0.0 if options.get("zero_output_for_mask") else out[b, t - 1]
                assert_allclose(out[b, t], expected, atol=1e-12)
    weights = layer.weights

    def forward(variables):
        for w, v in zip(weights, variables[1:]):
            w.data = v.data
        return layer._call_eager(variables[0], mask=MASK)

    originals = [w.data for w in weights]
    try:
        check_gradients(lambda vs: _with_weights(layer, vs), [x] + [w.data.copy() for w in weights])
    finally:
        for w, data in zip(weights, originals):
            w.data = data
    del forward


def _with_weights(layer, variables):
    """Run ``layer`` with its weights swapped for ``variables[1:]`` so the tape sees them as sources."""
    saved = [(w, w.data, w.requires_grad) for w in layer.weights]
    cell = layer.cell
    names = ["kernel", "recurrent_kernel", "bias"][: len(variables) - 1]
    originals = {n: getattr(cell, n) for n in names}
    try:
        for n, v in zip(names, variables[1:]):
            object.__setattr__(cell, n, v)
        return layer._call_eager(variables[0], mask=MASK)
    finally:
        for n, v in originals.items():
            object.__setattr__(cell, n, v)
        del saved


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU], ids=lambda c: c.__name__)
def test_return_state_and_initial_state_gradients(cls):
    rng = _float64()
    layer = cls(3, return_state=True, return_sequences=True)
    x = rng.standard_normal(SEQ)
    n_states = 2 if cls is layers.LSTM else 1
    states = [rng.standard_normal((2, 3)) for _ in range(n_states)]
    outputs = layer(x, initial_state=states)
    assert len(outputs) == 1 + n_states
    assert_allclose(outputs[1].numpy(), outputs[0].numpy()[:, -1])

    def forward(vs):
        result = layer(vs[0], initial_state=list(vs[1:]))
        return ops.concatenate([result[0].reshape((2, -1))] + list(result[1:]), axis=-1)

    check_gradients(forward, [x, *states])


def test_initial_state_changes_the_result_and_default_is_zeros():
    rng = _float64()
    layer = layers.LSTM(3)
    x = rng.standard_normal(SEQ)
    zeros = [np.zeros((2, 3)), np.zeros((2, 3))]
    assert_allclose(layer(x).numpy(), layer(x, initial_state=zeros).numpy())
    other = layer(x, initial_state=[np.ones((2, 3)), np.ones((2, 3))]).numpy()
    assert not np.allclose(other, layer(x).numpy())


def test_functional_initial_state_encoder_decoder():
    enc_in, dec_in = layers.Input((5, 4)), layers.Input((3, 4))
    _, h, c = layers.LSTM(6, return_state=True)(enc_in)
    dec = layers.LSTM(6, return_sequences=True)(dec_in, initial_state=[h, c])
    from engine import models

    model = models.Model([enc_in, dec_in], layers.Dense(2)(dec))
    x1, x2 = np.ones((2, 5, 4), "float32"), np.ones((2, 3, 4), "float32")
    assert model.predict([x1, x2]).shape == (2, 3, 2)
    model.compile("adam", "mse")
    model.fit([x1, x2], np.zeros((2, 3, 2)), epochs=1, verbose=0)


def test_training_dropout_changes_output_and_gradients_flow():
    rng = _float64()
    layer = layers.LSTM(3, dropout=0.5, recurrent_dropout=0.5)
    x = rng.standard_normal(SEQ)
    a, b = layer(x, training=True).numpy(), layer(x, training=False).numpy()
    assert not np.allclose(a, b)
    assert_allclose(b, layer(x).numpy())


def test_recurrent_dropout_gradient_on_a_fixed_mask():
    from engine.ops import recurrent as rops

    rng = _float64()
    x = rng.standard_normal(SEQ)
    h0, c0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    w, r, b = rng.standard_normal((3, 12)), rng.standard_normal((3, 12)), rng.standard_normal(12)
    rdrop = (rng.random((2, 3)) > 0.4) / 0.6
    check_gradients(lambda v: rops.lstm(*v, recurrent_dropout_mask=rdrop, return_sequences=True), [x, h0, c0, w, r, b])
    wg, rg, bg = rng.standard_normal((3, 9)), rng.standard_normal((3, 9)), rng.standard_normal((2, 9))
    check_gradients(lambda v: rops.gru(*v, recurrent_dropout_mask=rdrop, return_sequences=True), [x, h0, wg, rg, bg])
    check_gradients(
        lambda v: rops.gru(*v, recurrent_dropout_mask=rdrop, reset_after=False, return_sequences=True),
        [x, h0, wg, rg, bg[0]],
    )
    ws, rs = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    check_gradients(lambda v: rops.simple_rnn(*v, recurrent_dropout_mask=rdrop), [x, h0, ws, rs, b[:3]])


def test_weight_layouts_match_keras():
    lstm, gru, gru0, rnn = layers.LSTM(5), layers.GRU(5), layers.GRU(5, reset_after=False), layers.SimpleRNN(5)
    for layer in (lstm, gru, gru0, rnn):
        layer(np.zeros((1, 2, 3), "float32"))
    assert [w.shape for w in lstm.weights] == [(3, 20), (5, 20), (20,)]
    assert [w.name for w in lstm.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in gru.weights] == [(3, 15), (5, 15), (2, 15)]
    assert [w.shape for w in gru0.weights] == [(3, 15), (5, 15), (15,)]
    assert [w.shape for w in rnn.weights] == [(3, 5), (5, 5), (5,)]
    bias = lstm.weights[2].numpy()
    assert_array_equal(bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    recurrent = lstm.weights[1].numpy()
    assert_allclose(recurrent @ recurrent.T, np.eye(5), atol=1e-5)  # orthogonal per gate block


def test_config_keys_and_errors():
    config = layers.LSTM(4, return_state=True, go_backwards=True, stateful=False, unroll=True).get_config()
    for key in ("units", "activation", "recurrent_activation", "unit_forget_bias", "recurrent_initializer",
                "dropout", "recurrent_dropout", "return_sequences", "return_state", "go_backwards", "stateful",
                "unroll"):  # fmt: skip
        assert key in config
    assert layers.GRU(2).get_config()["reset_after"] is True
    assert layers.LSTM.from_config({**config, "time_major": False, "implementation": 2}).units == 4
    with pytest.raises(ConfigError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ConfigError, match="dropout"):
        layers.GRU(2, dropout=1.5)
    with pytest.raises(ShapeError, match="rank 3"):
        layers.LSTM(2)(np.zeros((2, 3), "float32"))


def test_embedding_lookup_mask_and_gradient():
    rng = _float64()
    layer = layers.Embedding(6, 3, mask_zero=True)
    ids = np.array([[1, 2, 0], [5, 5, 0]])
    out = layer(ids)
    assert out.shape == (2, 3, 3)
    assert_array_equal(out._keras_mask, ids != 0)
    assert_allclose(out.numpy()[1, 0], layer.weights[0].numpy()[5])
    table = rng.standard_normal((6, 3))
    from engine.ops.embedding import embedding_lookup

    check_gradients(lambda v: embedding_lookup(ids, v[0]), [table])
    config = layer.get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert layers.Embedding.from_config(config).mask_zero
    values = layers.Embedding(1000, 4).add_weight("w", (1000, 4), "uniform").numpy()
    assert -0.05 <= values.min() and values.max() <= 0.05


def test_embedding_in_a_sequential_model_trains():
    from engine import models

    model = models.Sequential([layers.Embedding(10, 4, input_length=5, mask_zero=True), layers.GRU(3), layers.Dense(1)])
    assert model.input_shape == (None, 5)
    model.compile("adam", "mse")
    ids = np.random.default_rng(0).integers(0, 10, (8, 5))
    before = model.get_weights()[0].copy()
    model.fit(ids, np.ones((8, 1)), epochs=2, verbose=0)
    assert not np.allclose(before, model.get_weights()[0])


def test_masking_layer():
    layer = layers.Masking(mask_value=-1.0)
    x = np.array([[[1.0, 2.0], [-1.0, -1.0], [3.0, -1.0]]], "float32")
    out = layer(x)
    assert_array_equal(out._keras_mask, [[True, False, True]])
    assert_allclose(out.numpy(), [[[1, 2], [0, 0], [3, -1]]])
    run_layer_checks(layers.Masking, {"mask_value": 0.0}, (2, 3, 4))


def test_stacked_cells_state_layout_and_dropout():
    layer = layers.RNN([layers.SimpleRNNCell(4), layers.LSTMCell(3, dropout=0.5)], return_state=True)
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype("float32")
    output, *states = layer(x)
    assert [tuple(s.shape) for s in states] == [(2, 4), (2, 3), (2, 3)]
    assert_allclose(output.numpy(), states[1].numpy())
    assert len(layer.weights) == 6
    assert not np.allclose(layer(x, training=True)[0].numpy(), output.numpy())
    rebuilt = layers.RNN.from_config(layer.get_config())
    rebuilt(x)
    rebuilt.set_weights(layer.get_weights())
    assert_allclose(rebuilt(x)[0].numpy(), output.numpy(), rtol=1e-6)


def test_conv_lstm2d_states_masks_and_stateful():
    layer = layers.ConvLSTM2D(2, 3, padding="same", return_state=True, stateful=True)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5, 1)).astype("float32")
    out, h, c = layer(x)
    assert out.shape == h.shape == c.shape == (2, 5, 5, 2)
    again, _, _ = layer(x)
    assert not np.allclose(again.numpy(), out.numpy())
    layer.reset_states()
    assert_allclose(layer(x)[0].numpy(), out.numpy(), rtol=1e-6)
    masked = layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True)
    seq = masked._call_eager(Tensor(x), mask=np.array([[True, False, True], [True, True, True]])).numpy()
    assert_allclose(seq[0, 1], seq[0, 0])
    assert layers.ConvLSTM2D(2, 3).name.startswith("conv_lstm2d")
