"""Activation layers: table rows, NumPy references, Keras 2/3 argument names and validation."""

import numpy as np
import pytest

from engine import backend, layers
from engine.errors import ConfigError, ShapeError
from tests.engine.layer_harness import run_layer_checks

CASES = [
    (layers.ReLU, {}, (3, 4)),
    (layers.ReLU, {"max_value": 0.5}, (3, 4)),
    (layers.ReLU, {"negative_slope": 0.1, "threshold": 0.2}, (3, 4)),
    (layers.ReLU, {"max_value": 1.0, "negative_slope": 0.2}, (2, 3, 2)),
    (layers.LeakyReLU, {}, (3, 4)),
    (layers.LeakyReLU, {"negative_slope": 0.05}, (2, 3, 2)),
    (layers.PReLU, {"alpha_initializer": "random_normal"}, (3, 4)),
    (layers.PReLU, {"alpha_initializer": {"class_name": "Constant", "config": {"value": 0.25}}}, (2, 3, 2)),
    (layers.PReLU, {"shared_axes": [1, 2], "alpha_initializer": "ones"}, (2, 3, 3, 2)),
    (layers.PReLU, {"shared_axes": 1, "alpha_regularizer": "l2"}, (2, 3, 2)),
    (layers.ELU, {}, (3, 4)),
    (layers.ELU, {"alpha": 0.5}, (2, 3, 2)),
    (layers.Softmax, {}, (3, 4)),
    (layers.Softmax, {"axis": 1}, (2, 3, 4)),
    (layers.Softmax, {"axis": [1, 2]}, (2, 3, 4)),
]


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES, ids=str)
def test_activation_layer(cls, kwargs, shape):
    run_layer_checks(cls, kwargs, shape)


def _x(shape=(4, 6)):
    backend.set_floatx("float64")
    return np.random.default_rng(0).standard_normal(shape) * 2


def test_relu_reference():
    x = _x()
    np.testing.assert_allclose(layers.ReLU()(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(layers.ReLU(max_value=1.0)(x).numpy(), np.clip(x, 0, 1))
    expected = np.where(x > 0.5, x, 0.1 * (x - 0.5))
    np.testing.assert_allclose(layers.ReLU(negative_slope=0.1, threshold=0.5)(x).numpy(), expected)
    expected = np.minimum(np.where(x > 0, x, 0.2 * x), 1.5)
    np.testing.assert_allclose(layers.ReLU(max_value=1.5, negative_slope=0.2)(x).numpy(), expected)
    for bad in ({"max_value": -1}, {"negative_slope": -0.1}, {"threshold": -1}, {"negative_slope": None}):
        with pytest.raises(ConfigError, match="ReLU layer"):
            layers.ReLU(**bad)


def test_leaky_relu_keras2_alpha_and_keras3_config():
    x = _x()
    np.testing.assert_allclose(layers.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x))
    keras2 = layers.LeakyReLU.from_config({"name": "leaky", "trainable": True, "dtype": "float32", "alpha": 0.1})
    assert keras2.negative_slope == 0.1
    config = keras2.get_config()
    assert config["negative_slope"] == 0.1 and "alpha" not in config
    with pytest.raises(ConfigError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-1)


def test_prelu_weight_shape_and_reference():
    x = _x((2, 3, 4, 5))
    layer = layers.PReLU(shared_axes=[1, 2])
    layer.build((None, 3, 4, 5))
    assert [w.name for w in layer.weights] == ["alpha"] and layer.alpha.shape == (1, 1, 5)
    np.testing.assert_array_equal(layer.alpha.numpy(), 0)  # default initializer: zeros
    alpha = np.linspace(0.1, 0.5, 5).reshape(1, 1, 5)
    layer.set_weights([alpha])
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, alpha * x))
    with pytest.raises(ShapeError):
        layer(_x((2, 3, 4, 6)))
    assert layers.PReLU().get_config()["shared_axes"] is None
    assert layers.PReLU(shared_axes=(1, 2)).get_config()["shared_axes"] == [1, 2]


def test_elu_and_softmax_reference():
    x = _x((3, 4, 5))
    np.testing.assert_allclose(layers.ELU(alpha=0.7)(x).numpy(), np.where(x > 0, x, 0.7 * np.expm1(x)))
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(layers.Softmax(axis=1)(x).numpy(), e / e.sum(axis=1, keepdims=True))
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(layers.Softmax(axis=[1, 2])(x).numpy(), e / e.sum(axis=(1, 2), keepdims=True))


def test_softmax_mask_zeroes_masked_positions():
    x = _x((2, 4))
    mask = np.array([[True, True, False, True], [False, True, True, True]])
    out = layers.Softmax()(x, mask=mask).numpy()
    e = np.where(mask, np.exp(x - x.max(axis=1, keepdims=True)), 0)
    np.testing.assert_allclose(out, e / e.sum(axis=1, keepdims=True), atol=1e-12)
    with pytest.raises(ConfigError, match="axis"):
        layers.Softmax(axis="last")
