"""Normalization layers: table rows, NumPy references, moving statistics, real Keras files."""

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from engine import backend, layers
from engine.errors import ConfigError, ShapeError
from tests.engine.layer_harness import run_layer_checks

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

CASES = [
    (layers.BatchNormalization, {}, (5, 3), False),
    (layers.BatchNormalization, {}, (5, 3), True),
    (layers.BatchNormalization, {"momentum": 0.9, "epsilon": 1e-2}, (4, 2, 3), True),
    (layers.BatchNormalization, {"axis": 1}, (3, 2, 2, 2), False),
    (layers.BatchNormalization, {"axis": 1, "center": False}, (3, 2, 2, 2), True),
    (layers.BatchNormalization, {"axis": [3], "scale": False}, (2, 2, 2, 3), True),
    (layers.BatchNormalization, {"center": False, "scale": False}, (4, 3), True),
    (layers.BatchNormalization, {"gamma_regularizer": "l2", "beta_constraint": "non_neg"}, (4, 3), False),
    (layers.LayerNormalization, {}, (2, 3, 4), False),
    (layers.LayerNormalization, {"epsilon": 1e-5, "center": False}, (3, 4), False),
    (layers.LayerNormalization, {"axis": [1, 2], "scale": False}, (2, 3, 4), False),
    (layers.LayerNormalization, {"axis": 1}, (2, 3, 2), False),
]


@pytest.mark.parametrize(("cls", "kwargs", "shape", "training"), CASES, ids=str)
def test_normalization_layer(cls, kwargs, shape, training):
    run_layer_checks(cls, kwargs, shape, training=training)


def _bn_reference(x, gamma, beta, mean, var, eps):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def test_batch_norm_training_matches_numpy_and_updates_moving_stats():
    backend.set_floatx("float64")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 4)) * 3 + 2
    layer = layers.BatchNormalization(momentum=0.8)
    layer.build((None, 4))
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    layer.set_weights([gamma, beta, np.zeros(4), np.ones(4)])
    out = layer(x, training=True).numpy()
    mean, var = x.mean(axis=0), x.var(axis=0)  # biased variance, as Keras 3
    np.testing.assert_allclose(out, _bn_reference(x, gamma, beta, mean, var, 1e-3), rtol=1e-12)
    moving_mean, moving_var = layer.moving_mean.numpy().copy(), layer.moving_variance.numpy().copy()
    np.testing.assert_allclose(moving_mean, 0.2 * mean, rtol=1e-12)
    np.testing.assert_allclose(moving_var, 0.8 + 0.2 * var, rtol=1e-12)
    # a second training call repeats the same output (training ignores the moving stats) and updates again
    np.testing.assert_allclose(layer(x, training=True).numpy(), out, rtol=1e-12)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.8 * moving_mean + 0.2 * mean, rtol=1e-12)
    # inference uses the moving statistics and changes nothing
    before = layer.get_weights()
    inference = layer(x).numpy()
    expected = _bn_reference(x, gamma, beta, layer.moving_mean.numpy(), layer.moving_variance.numpy(), 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-12)
    for a, b in zip(before, layer.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_frozen_runs_in_inference_mode():
    backend.set_floatx("float64")
    x = np.random.default_rng(2).standard_normal((5, 3))
    layer = layers.BatchNormalization()
    layer(x)
    layer.trainable = False
    out = layer(x, training=True).numpy()
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-12)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 4


def test_batch_norm_channels_first_reference():
    backend.set_floatx("float64")
    x = np.random.default_rng(3).standard_normal((4, 3, 2, 2))
    layer = layers.BatchNormalization(axis=1)
    out = layer(x, training=True).numpy()
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-10, atol=1e-12)
    assert layer.gamma.shape == (3,)


def test_batch_norm_float32_stays_float32():
    x = np.random.default_rng(4).standard_normal((8, 5)).astype(np.float32)
    layer = layers.BatchNormalization()
    assert layer(x, training=True).dtype == np.float32
    assert layer(x).dtype == np.float32
    assert layer.moving_variance.dtype == np.float32


def test_batch_norm_weight_order_and_config():
    layer = layers.BatchNormalization()
    layer.build((None, 7))
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    config = layer.get_config()
    for key in ("axis", "momentum", "epsilon", "center", "scale", "moving_variance_initializer"):
        assert key in config
    assert config["axis"] == -1 and config["momentum"] == 0.99 and config["epsilon"] == 1e-3


def test_batch_norm_errors():
    with pytest.raises(ConfigError, match="momentum"):
        layers.BatchNormalization(momentum=2)
    with pytest.raises(ConfigError, match="axis"):
        layers.BatchNormalization(axis="x")
    layer = layers.BatchNormalization(axis=3)
    with pytest.raises(ConfigError, match="out of range"):
        layer(np.zeros((2, 3)))
    layer = layers.BatchNormalization()
    layer(np.zeros((2, 3)))
    with pytest.raises(ShapeError, match=layer.name):
        layer(np.zeros((2, 4)))


def test_layer_norm_matches_numpy():
    backend.set_floatx("float64")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 5))
    layer = layers.LayerNormalization(epsilon=1e-5)
    layer.build((None, 4, 5))
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    layer.set_weights([gamma, beta])
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    np.testing.assert_allclose(layer(x).numpy(), gamma * (x - mean) / np.sqrt(var + 1e-5) + beta, rtol=1e-10)
    assert [w.name for w in layer.weights] == ["gamma", "beta"]


def _read_legacy_weights(path, layer_name):
    with h5py.File(path, "r") as f:
        group = f["model_weights"][layer_name]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        return [np.array(group[n]) for n in names]


@pytest.mark.parametrize("folder", ["keras", "keras2"])
def test_keras_mlp_fixture_inference(folder):
    """Dense(32, relu, L2) -> Dropout(0.3) -> BatchNormalization -> Dense(4, softmax), weights from real Keras."""
    backend.set_floatx("float32")
    path = FIXTURES / folder / "mlp.h5"
    x = np.load(FIXTURES / folder / "mlp_x.npy")
    expected = np.load(FIXTURES / folder / "mlp_y.npy")
    model_layers = [
        layers.Dense(32, activation="relu", kernel_regularizer={"class_name": "L2", "config": {"l2": 1e-3}}),
        layers.Dropout(0.3),
        # Keras 2 stores the axis as a list ([1]); Keras 3 as -1
        layers.BatchNormalization(axis=[1] if folder == "keras2" else -1),
        layers.Dense(4, activation="softmax"),
    ]
    names = ["dense", "dropout", "batch_normalization", "dense_1"]
    out = x
    for layer in model_layers:
        out = layer(out)
    for layer, name in zip(model_layers, names, strict=True):
        layer.set_weights(_read_legacy_weights(path, name))
    out = x
    for layer in model_layers:
        out = layer(out, training=False)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("folder", ["keras", "keras2"])
def test_keras_batch_norm_from_saved_config(folder):
    """BatchNormalization rebuilt from the config Keras stored in the file (Keras 2 has ``axis: [1]``)."""
    backend.set_floatx("float32")
    path = FIXTURES / folder / "mlp.h5"
    with h5py.File(path, "r") as f:
        model_config = json.loads(f.attrs["model_config"])
    (spec,) = [s for s in model_config["config"]["layers"] if s["class_name"] == "BatchNormalization"]
    layer = layers.BatchNormalization.from_config(spec["config"])
    assert layer.momentum == 0.99 and layer.epsilon == 1e-3 and layer.center and layer.scale
    weights = _read_legacy_weights(path, "batch_normalization")
    h = np.random.default_rng(0).standard_normal((5, 32)).astype(np.float32)
    layer(h)
    layer.set_weights(weights)
    gamma, beta, mean, var = weights
    expected = gamma * (h - mean) / np.sqrt(var + 1e-3) + beta
    np.testing.assert_allclose(layer(h).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert layer.get_config()["axis"] == spec["config"]["axis"]
