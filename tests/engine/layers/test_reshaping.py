"""Reshaping layers: table rows, NumPy references and argument errors."""

import numpy as np
import pytest

from engine import backend, layers
from engine.errors import ConfigError, ShapeError
from tests.engine.layer_harness import run_layer_checks

CASES = [
    (layers.Flatten, {}, (2, 3, 4), (2, 12)),
    (layers.Flatten, {}, (3, 5), (3, 5)),
    (layers.Flatten, {"data_format": "channels_first"}, (2, 3, 2, 2), (2, 12)),
    (layers.Reshape, {"target_shape": (3, 4)}, (2, 12), (2, 3, 4)),
    (layers.Reshape, {"target_shape": (-1, 2)}, (2, 3, 4), (2, 6, 2)),
    (layers.Reshape, {"target_shape": [12]}, (2, 3, 4), (2, 12)),
    (layers.Permute, {"dims": (2, 1)}, (2, 3, 4), (2, 4, 3)),
    (layers.Permute, {"dims": (3, 1, 2)}, (2, 3, 4, 5), (2, 5, 3, 4)),
    (layers.RepeatVector, {"n": 3}, (2, 4), (2, 3, 4)),
    (layers.ZeroPadding2D, {}, (2, 3, 3, 2), (2, 5, 5, 2)),
    (layers.ZeroPadding2D, {"padding": (1, 2)}, (1, 2, 3, 2), (1, 4, 7, 2)),
    (layers.ZeroPadding2D, {"padding": ((0, 1), (2, 0)), "data_format": "channels_first"}, (1, 2, 3, 3), (1, 2, 4, 5)),
    (layers.Cropping2D, {"cropping": 1}, (2, 4, 5, 2), (2, 2, 3, 2)),
    (layers.Cropping2D, {"cropping": ((1, 0), (0, 2))}, (1, 3, 4, 2), (1, 2, 2, 2)),
    (layers.Cropping2D, {"cropping": (1, 1), "data_format": "channels_first"}, (1, 2, 4, 4), (1, 2, 2, 2)),
    (layers.UpSampling2D, {}, (2, 2, 3, 2), (2, 4, 6, 2)),
    (layers.UpSampling2D, {"size": (1, 3), "data_format": "channels_first"}, (1, 2, 2, 2), (1, 2, 2, 6)),
    (layers.UpSampling2D, {"size": 2, "interpolation": "bilinear"}, (1, 3, 2, 2), (1, 6, 4, 2)),
    (layers.UpSampling2D, {"size": (3, 2), "interpolation": "bilinear", "data_format": "channels_first"},
     (1, 2, 2, 3), (1, 2, 6, 6)),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "kwargs", "shape", "expected"), CASES, ids=str)
def test_reshaping_layer(cls, kwargs, shape, expected):
    run_layer_checks(cls, kwargs, shape, expected_output_shape=expected)


def _x(shape):
    backend.set_floatx("float64")
    return np.random.default_rng(0).standard_normal(shape)


def test_flatten_channels_first_matches_channels_last_order():
    x = _x((2, 3, 4, 5))
    out = layers.Flatten(data_format="channels_first")(x).numpy()
    np.testing.assert_array_equal(out, np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))


def test_reshape_values_and_errors():
    x = _x((2, 6))
    np.testing.assert_array_equal(layers.Reshape((3, -1))(x).numpy(), x.reshape(2, 3, 2))
    assert layers.Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)
    with pytest.raises(ShapeError, match=r"Reshape layer 'reshape(_\d+)?'.*\(None, 6\).*\(4, -1\)"):
        layers.Reshape((4, -1)).compute_output_shape((None, 6))
    with pytest.raises(ShapeError, match="target_shape"):
        layers.Reshape((5,))(x)
    with pytest.raises(ConfigError, match="at most one -1"):
        layers.Reshape((-1, -1))
    with pytest.raises(ConfigError, match="target_shape"):
        layers.Reshape((0, 2))


def test_permute_and_repeat_vector_values():
    x = _x((2, 3, 4))
    np.testing.assert_array_equal(layers.Permute((2, 1))(x).numpy(), np.transpose(x, (0, 2, 1)))
    with pytest.raises(ConfigError, match="permutation"):
        layers.Permute((0, 1))
    v = _x((2, 3))
    np.testing.assert_array_equal(layers.RepeatVector(2)(v).numpy(), np.stack([v, v], axis=1))
    with pytest.raises(ShapeError):
        layers.RepeatVector(2)(x)


def test_padding_cropping_values():
    x = _x((1, 3, 4, 2))
    padded = layers.ZeroPadding2D(((1, 0), (0, 2)))(x).numpy()
    np.testing.assert_array_equal(padded, np.pad(x, ((0, 0), (1, 0), (0, 2), (0, 0))))
    cropped = layers.Cropping2D(((1, 0), (1, 2)))(x).numpy()
    np.testing.assert_array_equal(cropped, x[:, 1:, 1:2, :])
    with pytest.raises(ShapeError, match="Cropping2D layer"):
        layers.Cropping2D(2)(x)
    with pytest.raises(ConfigError, match="padding"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ConfigError, match="cropping"):
        layers.Cropping2D(-1)
    assert layers.ZeroPadding2D(2).get_config()["padding"] == [[2, 2], [2, 2]]


def test_upsampling_nearest_and_bilinear_reference():
    x = _x((1, 2, 3, 1))
    nearest = layers.UpSampling2D((2, 3))(x).numpy()
    np.testing.assert_array_equal(nearest, x.repeat(2, axis=1).repeat(3, axis=2))
    # bilinear with half-pixel centres: a 1D ramp [0, 1] upsampled by 2 gives [0, .25, .75, 1]
    ramp = np.array([0.0, 1.0]).reshape(1, 2, 1, 1)
    out = layers.UpSampling2D((2, 1), interpolation="bilinear")(ramp).numpy().ravel()
    np.testing.assert_allclose(out, [0.0, 0.25, 0.75, 1.0])
    ramp3 = np.array([0.0, 3.0, 6.0]).reshape(1, 1, 3, 1)
    out = layers.UpSampling2D((1, 3), interpolation="bilinear")(ramp3).numpy().ravel()
    np.testing.assert_allclose(out, [0, 0, 1, 2, 3, 4, 5, 6, 6])
    with pytest.raises(ConfigError, match="interpolation"):
        layers.UpSampling2D(interpolation="bicubic")
