"""Recurrent models built in Strata predict what real Keras predicted (fixtures from make_rnn_fixtures.py).

Weights are read with h5py from Keras 3 ``.weights.h5`` files (v3 layout: RNN variables live on the
cell, Bidirectional under forward_layer/backward_layer, TimeDistributed under layer) and also from the
legacy full-model ``.h5`` files (by layer name and ``weight_names``).
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from engine import backend, layers, models
from engine.layers.naming import to_snake_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "keras_rnn"
_CHILDREN = ("cell", "forward_layer", "backward_layer", "layer")


@pytest.fixture(autouse=True)
def _float32():
    previous = backend.floatx()
    backend.set_floatx("float32")
    yield
    backend.set_floatx(previous)


def _collect(group: h5py.Group) -> list[np.ndarray]:
    """A layer group's variables in Keras order: its own vars, then its nested layers' (cell, forward, ...)."""
    arrays = [np.asarray(group["vars"][k]) for k in sorted(group["vars"].keys(), key=int)] if "vars" in group else []
    for child in _CHILDREN:
        if child in group:
            arrays += _collect(group[child])
    return arrays


def load_v3(model: models.Model, name: str) -> None:
    counters: dict[str, int] = {}
    with h5py.File(FIXTURES / f"{name}.weights.h5", "r") as handle:
        keys = set(handle["layers"].keys())
        for layer in model.layers:
            base = to_snake_case(type(layer).__name__)
            index = counters.get(base, 0)
            counters[base] = index + 1
            key = base if index == 0 else f"{base}_{index}"
            if key not in keys:
                continue
            arrays = _collect(handle["layers"][key])
            if arrays or layer.weights:
                layer.set_weights(arrays)


def load_legacy(model: models.Model, name: str) -> None:
    with h5py.File(FIXTURES / f"{name}.h5", "r") as handle:
        root = handle["model_weights"]
        keras_names = [n.decode() if isinstance(n, bytes) else n for n in root.attrs["layer_names"]]
        weighted = [n for n in keras_names if len(root[n].attrs["weight_names"])]
        ours = [layer for layer in model.layers if layer.weights]
        assert len(weighted) == len(ours)
        for keras_name, layer in zip(weighted, ours):
            group = root[keras_name]
            names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            layer.set_weights([np.asarray(group[n]) for n in names])


def _arrays(name: str, prefix: str) -> list[np.ndarray]:
    found = []
    i = 0
    while (FIXTURES / f"{name}_{prefix}{i}.npy").exists():
        found.append(np.load(FIXTURES / f"{name}_{prefix}{i}.npy"))
        i += 1
    return found


def _seq(*stack):
    return models.Sequential(list(stack))


def _functional_state() -> models.Model:
    inp = layers.Input((6, 5))
    out, h, c = layers.LSTM(4, return_state=True)(inp)
    return models.Model(inp, [out, h, c])


def _faq_shared() -> models.Model:
    a, b = layers.Input((140, 256)), layers.Input((140, 256))
    shared = layers.LSTM(64)
    merged = layers.Concatenate(axis=-1)([shared(a), shared(b)])
    return models.Model([a, b], layers.Dense(1, activation="sigmoid")(merged))


def _seq2seq() -> models.Model:
    enc_in, dec_in = layers.Input((6, 5)), layers.Input((4, 3))
    _, h, c = layers.LSTM(5, return_state=True)(enc_in)
    dec = layers.LSTM(5, return_sequences=True)(dec_in, initial_state=[h, c])
    return models.Model([enc_in, dec_in], layers.Dense(3, activation="softmax")(dec))


BUILDERS = {
    "simple_rnn": lambda: _seq(layers.Input((6, 5)), layers.SimpleRNN(7), layers.Dense(3)),
    "lstm_seq": lambda: _seq(layers.Input((6, 5)), layers.LSTM(8, return_sequences=True)),
    "gru_after": lambda: _seq(layers.Input((6, 5)), layers.GRU(6, return_sequences=True)),
    "gru_before": lambda: _seq(layers.Input((6, 5)), layers.GRU(6, reset_after=False)),
    "gru_backwards": lambda: _seq(layers.Input((6, 5)), layers.GRU(4, go_backwards=True, return_sequences=True)),
    "bilstm": lambda: _seq(
        layers.Input((6, 5)),
        layers.Bidirectional(layers.LSTM(5, return_sequences=True)),
        layers.Bidirectional(layers.GRU(3), merge_mode="sum"),
    ),
    "timedist": lambda: _seq(
        layers.Input((6, 5)), layers.TimeDistributed(layers.Dense(4, activation="relu")), layers.LSTM(3)
    ),
    "embed_mask_lstm": lambda: _seq(
        layers.Input((7,), dtype="int32"), layers.Embedding(20, 6, mask_zero=True), layers.LSTM(5), layers.Dense(2)
    ),
    "embed_mask_bigru_seq": lambda: _seq(
        layers.Input((7,), dtype="int32"),
        layers.Embedding(20, 6, mask_zero=True),
        layers.Bidirectional(layers.GRU(3, return_sequences=True)),
    ),
    "masking_simple_rnn_seq": lambda: _seq(
        layers.Input((6, 5)), layers.Masking(0.0), layers.SimpleRNN(4, return_sequences=True)
    ),
    "lstm_state": _functional_state,
    "faq_shared_lstm": _faq_shared,
    "seq2seq": _seq2seq,
    "conv_lstm2d": lambda: _seq(
        layers.Input((3, 6, 6, 2)),
        layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True),
        layers.ConvLSTM2D(2, (2, 3), strides=(2, 1), go_backwards=True),
    ),
}


@pytest.mark.parametrize("loader", [load_v3, load_legacy], ids=["weights_h5", "legacy_h5"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_matches_keras(name, loader):
    model = BUILDERS[name]()
    loader(model, name)
    xs = _arrays(name, "x")
    expected = _arrays(name, "y")
    got = model.predict(xs if len(xs) > 1 else xs[0], batch_size=4)
    got = got if isinstance(got, list) else [got]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


def test_stateful_matches_keras_over_batches_and_reset():
    model = _seq(
        layers.Input(batch_shape=(4, 3, 5)),
        layers.LSTM(6, stateful=True, return_sequences=True),
        layers.LSTM(4, stateful=True),
    )
    load_v3(model, "stateful_lstm")
    first, second = _arrays("stateful_lstm", "x")
    y0, y1, y2 = _arrays("stateful_lstm", "y")
    np.testing.assert_allclose(model.predict(first, batch_size=4), y0, atol=1e-5)
    np.testing.assert_allclose(model.predict(second, batch_size=4), y1, atol=1e-5)
    model.reset_states()
    np.testing.assert_allclose(model.predict(second, batch_size=4), y2, atol=1e-5)


@pytest.mark.parametrize("name", sorted(BUILDERS) + ["stateful_lstm"])
def test_load_model_reads_keras_recurrent_files(name):
    """The whole Keras file (config and weights) through load_model, not a hand-built twin."""
    from engine.saving import api

    model = api.load_model(FIXTURES / f"{name}.h5", compile=False)
    xs = _arrays(name, "x")
    expected = _arrays(name, "y")
    if name == "stateful_lstm":
        got = [model.predict(xs[0], batch_size=4), model.predict(xs[1], batch_size=4)]
        model.reset_states()
        got.append(model.predict(xs[1], batch_size=4))
    else:
        got = model.predict(xs if len(xs) > 1 else xs[0], batch_size=4)
        got = got if isinstance(got, list) else [got]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)
