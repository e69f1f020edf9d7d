"""Regularization layers: table rows (inference), and training-mode statistics and gradients."""

import numpy as np
import pytest

from engine import backend, layers
from engine.autograd import Variable, gradients
from engine.errors import ConfigError, ShapeError
from tests.engine.host import assert_allclose, assert_array_equal
from tests.engine.layer_harness import run_layer_checks

CASES = [
    (layers.SpatialDropout1D, {"rate": 0.5}, (2, 3, 4)),
    (layers.SpatialDropout2D, {"rate": 0.5}, (2, 3, 3, 2)),
    (layers.SpatialDropout2D, {"rate": 0.3, "data_format": "channels_first"}, (2, 2, 3, 3)),
    (layers.SpatialDropout3D, {"rate": 0.2}, (1, 2, 2, 2, 3)),
    (layers.GaussianNoise, {"stddev": 0.5}, (3, 4)),
    (layers.GaussianNoise, {"stddev": 0.1, "seed": 7}, (2, 3, 2)),
    (layers.GaussianDropout, {"rate": 0.4}, (3, 4)),
    (layers.ActivityRegularization, {"l1": 0.01, "l2": 0.02}, (3, 4)),
]


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES, ids=str)
def test_regularization_layer(cls, kwargs, shape):
    run_layer_checks(cls, kwargs, shape)


def _ones(shape):
    backend.set_floatx("float64")
    return np.ones(shape)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_spatial_dropout_drops_whole_channels(data_format):
    x = _ones((8, 5, 5, 6))
    out = layers.SpatialDropout2D(0.5, data_format=data_format)(x, training=True).numpy()
    channel_axis, spatial = (3, (1, 2)) if data_format == "channels_last" else (1, (2, 3))
    per_map = out.max(axis=spatial)
    assert_array_equal(out.min(axis=spatial), per_map)  # constant over each feature map
    assert set(np.unique(per_map)) <= {0.0, 2.0}
    assert 0 < (per_map == 0).mean() < 1
    assert per_map.shape == (8, x.shape[channel_axis])
    assert_array_equal(layers.SpatialDropout2D(0.5)(x).numpy(), x)  # inference: identity


def test_spatial_dropout_gradient_matches_its_mask():
    x = Variable(_ones((4, 3, 3, 5)))
    x.requires_grad = True
    out = layers.SpatialDropout2D(0.5)(x, training=True)
    (grad,) = gradients(out.sum(), [x])
    assert_allclose(grad, out.numpy())


def test_spatial_dropout_rank_error():
    with pytest.raises(ShapeError, match="rank 4"):
        layers.SpatialDropout2D(0.5)(_ones((2, 3)))


def test_gaussian_noise_training_statistics_and_seed():
    x = np.zeros((200, 50), dtype=np.float32)
    out = layers.GaussianNoise(0.5)(x, training=True).numpy()
    assert out.dtype == np.float32
    assert abs(out.mean()) < 0.01 and abs(out.std() - 0.5) < 0.01
    assert_array_equal(layers.GaussianNoise(0.5)(x).numpy(), x)
    a = layers.GaussianNoise(0.5, seed=3)(x, training=True).numpy()
    b = layers.GaussianNoise(0.5, seed=3)(x, training=True).numpy()
    assert_array_equal(a, b)
    with pytest.raises(ConfigError, match="stddev"):
        layers.GaussianNoise(-1.0)


def test_gaussian_dropout_training_statistics_and_gradient():
    x = Variable(_ones((300, 40)))
    x.requires_grad = True
    out = layers.GaussianDropout(0.2)(x, training=True)
    values = out.numpy()
    assert abs(values.mean() - 1) < 0.01 and abs(values.std() - np.sqrt(0.2 / 0.8)) < 0.01
    (grad,) = gradients(out.sum(), [x])
    assert_allclose(grad, values)  # d(x * noise)/dx = noise, and x = 1
    with pytest.raises(ConfigError, match="rate"):
        layers.GaussianDropout(1.0)


def test_activity_regularization_adds_a_per_sample_penalty():
    backend.set_floatx("float64")
    x = np.arange(6.0).reshape(2, 3) - 2
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    assert_array_equal(layer(x).numpy(), x)
    (penalty,) = layer.losses
    expected = (0.1 * np.abs(x).sum() + 0.01 * np.square(x).sum()) / 2
    assert_allclose(float(penalty), expected)
    config = layer.get_config()
    assert config["l1"] == 0.1 and config["l2"] == 0.01 and "activity_regularizer" not in config
