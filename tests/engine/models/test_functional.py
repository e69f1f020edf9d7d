"""Functional models: graphs, shared layers, nested models, errors that name the layer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import layers, models
from engine.errors import ConfigError, GraphError, NotBuiltError, ShapeError


def _two_input_model():
    a = layers.Input(shape=(4,), name="a")
    b = layers.Input(shape=(4,), name="b")
    shared = layers.Dense(5, name="shared")
    merged = layers.Concatenate(name="concat")([shared(a), shared(b)])
    out = layers.Dense(2, name="head")(merged)
    return models.Model(inputs=[a, b], outputs=out, name="two_inputs"), shared


def test_shared_layer_uses_one_set_of_weights():
    model, shared = _two_input_model()
    assert len(shared._inbound_nodes) == 2
    assert model.count_params() == 4 * 5 + 5 + 10 * 2 + 2
    xa = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    out = model.predict([xa, xa])
    assert out.shape == (3, 2)
    # Same input on both branches gives identical halves before the head.
    features = models.Model(model.inputs, model.get_layer("concat").output).predict([xa, xa])
    np.testing.assert_array_equal(features[:, :5], features[:, 5:])


def test_inputs_by_name_dict():
    model, _ = _two_input_model()
    x = np.ones((2, 4), dtype="float32")
    np.testing.assert_array_equal(model.predict({"a": x, "b": x}), model.predict([x, x]))


def test_nested_model_as_layer():
    inner_in = layers.Input(shape=(3,))
    inner = models.Model(inner_in, layers.Dense(4, activation="relu")(inner_in), name="inner")
    outer_in = layers.Input(shape=(3,))
    outer = models.Model(outer_in, layers.Dense(1)(inner(outer_in)), name="outer")
    assert outer.count_params() == 3 * 4 + 4 + 4 + 1
    assert outer.predict(np.ones((2, 3))).shape == (2, 1)
    assert len(outer.weights) == 4


def test_graph_disconnected_names_the_layer():
    a = layers.Input(shape=(4,), name="a")
    b = layers.Input(shape=(4,), name="b")
    out = layers.Add(name="add")([layers.Dense(3)(a), layers.Dense(3)(b)])
    with pytest.raises(GraphError, match="disconnected"):
        models.Model(inputs=a, outputs=out)


def test_input_must_come_from_input_layer():
    a = layers.Input(shape=(4,))
    hidden = layers.Dense(3)(a)
    with pytest.raises(GraphError, match="Input"):
        models.Model(inputs=hidden, outputs=layers.Dense(1)(hidden))


def test_incompatible_shapes_name_layer_and_shapes():
    x = layers.Input(shape=(8, 8, 3))
    with pytest.raises(ShapeError, match=r"dense.*\(None, 8, 8, 3\)|Concatenate"):
        layers.Concatenate(name="bad_concat")([x, layers.Input(shape=(4, 4, 3))])
    dense = layers.Dense(4, name="dense_a")
    dense(layers.Input(shape=(5,)))
    with pytest.raises(ShapeError, match="dense_a.*axis -1 of size 5"):
        dense(layers.Input(shape=(6,)))


def test_wrong_data_shape_in_predict_is_clear():
    model, _ = _two_input_model()
    with pytest.raises(ShapeError, match=r"expects shape \(None, 4\), received data of shape \(2, 3\)"):
        model.predict([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ShapeError, match="expects 2 input"):
        model.predict(np.ones((2, 4)))


def test_get_layer_by_name_and_index():
    model, shared = _two_input_model()
    assert model.get_layer("shared") is shared
    assert model.get_layer(index=-1).name == "head"
    with pytest.raises(ConfigError, match="no layer named 'nope'"):
        model.get_layer("nope")


def test_config_round_trip_keeps_structure_and_sharing():
    model, _ = _two_input_model()
    config = json.loads(json.dumps(model.get_config()))
    clone = models.Model.from_config(config)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert len(clone.get_layer("shared")._inbound_nodes) == 2
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(1).standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict([x, x + 1]), model.predict([x, x + 1]), rtol=1e-6)


def test_multi_output_model_predicts_a_list():
    x = layers.Input(shape=(3,))
    h = layers.Dense(4)(x)
    model = models.Model(x, [layers.Dense(1, name="o1")(h), layers.Dense(2, name="o2")(h)])
    out = model.predict(np.ones((5, 3)), batch_size=2)
    assert [o.shape for o in out] == [(5, 1), (5, 2)]


def test_layer_output_before_any_call_is_a_clear_error():
    with pytest.raises(NotBuiltError, match="has no output"):
        _ = layers.Dense(3, name="lonely").output


def test_automatic_names_are_unique_like_keras():
    names = [layers.Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]
    assert layers.Conv2D(1, 1).name == "conv2d"
    assert layers.BatchNormalization().name == "batch_normalization"
