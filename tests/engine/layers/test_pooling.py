"""Pooling layers: table rows through the harness and loop-based NumPy references."""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend, layers
from engine.errors import ConfigError
from tests.engine.host import assert_allclose
from tests.engine.layer_harness import run_layer_checks

# Distinct values keep max pooling away from ties, where finite differences are meaningless.
SHAPES = [(2, 6, 3), (2, 7, 3), (2, 3, 7), (2, 4, 4, 2), (2, 5, 7, 2), (2, 2, 5, 6), (1, 6, 6, 2)]
DISTINCT = {shape: np.random.default_rng(0).permutation(int(np.prod(shape))).reshape(shape) / 7.0 for shape in SHAPES}

CASES = [
    (layers.MaxPooling1D, {}, (2, 6, 3)),
    (layers.MaxPooling1D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 3)),
    (layers.MaxPooling1D, {"pool_size": 2, "data_format": "channels_first"}, (2, 3, 7)),
    (layers.MaxPooling2D, {}, (2, 4, 4, 2)),
    (layers.MaxPooling2D, {"pool_size": (2, 3)}, (2, 5, 7, 2)),
    (layers.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 7, 2)),
    (layers.MaxPooling2D, {"pool_size": 2, "strides": 1}, (1, 6, 6, 2)),
    (layers.MaxPooling2D, {"pool_size": 2, "data_format": "channels_first", "padding": "same"}, (2, 2, 5, 6)),
    (layers.AveragePooling1D, {"pool_size": 3}, (2, 7, 3)),
    (layers.AveragePooling1D, {"pool_size": 3, "strides": 1, "padding": "same"}, (2, 6, 3)),
    (layers.AveragePooling2D, {}, (2, 4, 4, 2)),
    (layers.AveragePooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 5, 7, 2)),
    (layers.AveragePooling2D, {"pool_size": (2, 3), "strides": 1, "data_format": "channels_first"}, (2, 2, 5, 6)),
    (layers.GlobalMaxPooling1D, {}, (2, 6, 3)),
    (layers.GlobalMaxPooling1D, {"data_format": "channels_first", "keepdims": True}, (2, 3, 7)),
    (layers.GlobalMaxPooling2D, {}, (2, 4, 4, 2)),
    (layers.GlobalMaxPooling2D, {"keepdims": True, "data_format": "channels_first"}, (2, 2, 5, 6)),
    (layers.GlobalAveragePooling1D, {}, (2, 6, 3)),
    (layers.GlobalAveragePooling1D, {"keepdims": True}, (2, 7, 3)),
    (layers.GlobalAveragePooling2D, {}, (2, 4, 4, 2)),
    (layers.GlobalAveragePooling2D, {"data_format": "channels_first", "keepdims": True}, (2, 2, 5, 6)),
]


@pytest.fixture(autouse=True)
def _float32_afterwards():
    yield
    backend.set_floatx("float32")


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES, ids=str)
def test_pooling_layer(cls, kwargs, shape):
    run_layer_checks(cls, kwargs, shape, input_values=DISTINCT[shape])


# -- loop-based NumPy references (channels_last) -----------------------------------
def _same_pads(length, pool, stride):
    out = -(-length // stride)
    total = max((out - 1) * stride + pool - length, 0)
    return total // 2, total - total // 2


def ref_pool2d(x, pool, strides, padding, mode):
    """Each output pixel from an explicit window; 'same' windows only see real pixels."""
    n, h, w, c = x.shape
    if padding == "same":
        (top, _), (left, _) = _same_pads(h, pool[0], strides[0]), _same_pads(w, pool[1], strides[1])
        oh, ow = -(-h // strides[0]), -(-w // strides[1])
    else:
        top = left = 0
        oh, ow = (h - pool[0]) // strides[0] + 1, (w - pool[1]) // strides[1] + 1
    out = np.zeros((n, oh, ow, c))
    for p in range(oh):
        for q in range(ow):
            r0, c0 = p * strides[0] - top, q * strides[1] - left
            window = x[:, max(r0, 0) : r0 + pool[0], max(c0, 0) : c0 + pool[1], :]
            out[:, p, q] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out


def ref_max_pool_grad(x, pool, strides, g):
    """TF's rule: each window's gradient goes to its first maximum in row-major order (valid padding)."""
    grad = np.zeros_like(x)
    n, _, _, c = x.shape
    for p in range(g.shape[1]):
        for q in range(g.shape[2]):
            window = x[:, p * strides[0] : p * strides[0] + pool[0], q * strides[1] : q * strides[1] + pool[1]]
            flat = window.reshape(n, -1, c)
            first = flat.argmax(axis=1)  # argmax returns the first maximum
            for b in range(n):
                for ch in range(c):
                    i, j = divmod(int(first[b, ch]), pool[1])
                    grad[b, p * strides[0] + i, q * strides[1] + j, ch] += g[b, p, q, ch]
    return grad


POOL_CASES = [
    ((2, 2), (2, 2), "valid"),
    ((2, 2), (2, 2), "same"),
    ((3, 3), (2, 2), "same"),
    ((3, 2), (1, 2), "valid"),
    ((2, 3), (3, 1), "same"),
    ((3, 3), (3, 3), "valid"),
]


@pytest.mark.parametrize(("pool", "strides", "padding"), POOL_CASES)
@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool2d_matches_loop_reference(pool, strides, padding, mode):
    backend.set_floatx("float64")
    x = np.random.default_rng(1).standard_normal((2, 7, 8, 3))
    cls = layers.MaxPooling2D if mode == "max" else layers.AveragePooling2D
    got = cls(pool_size=pool, strides=strides, padding=padding)(x).numpy()
    assert_allclose(got, ref_pool2d(x, pool, strides, padding, mode), rtol=1e-12, atol=1e-12)
    first = cls(pool_size=pool, strides=strides, padding=padding, data_format="channels_first")
    got = first(x.transpose(0, 3, 1, 2)).numpy().transpose(0, 2, 3, 1)
    assert_allclose(got, ref_pool2d(x, pool, strides, padding, mode), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["max", "average"])
def test_pool1d_matches_loop_reference(mode):
    backend.set_floatx("float64")
    x = np.random.default_rng(2).standard_normal((2, 9, 3))
    cls = layers.MaxPooling1D if mode == "max" else layers.AveragePooling1D
    for pool, stride, padding in [(2, None, "valid"), (3, 2, "same"), (4, 1, "same")]:
        got = cls(pool_size=pool, strides=stride, padding=padding)(x).numpy()
        want = ref_pool2d(x[:, None], (1, pool), (1, stride or pool), padding, mode)[:, 0]
        assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("pool", "strides"), [((2, 2), (2, 2)), ((3, 3), (2, 2)), ((2, 3), (2, 3)), ((2, 2), (1, 1))])
def test_max_pool_ties_send_gradient_to_first_maximum(pool, strides):
    from engine.autograd import Variable, gradients

    backend.set_floatx("float64")
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(2, 7, 9, 2)).astype(np.float64)  # plenty of ties
    x[0, :2, :3] = 0.0  # whole windows of equal values (post-ReLU zeros)
    variable = Variable(x)
    variable.requires_grad = True
    out = layers.MaxPooling2D(pool_size=pool, strides=strides)(variable)
    g = rng.standard_normal(out.shape)
    (grad,) = gradients(out, [variable], seed=g)
    assert_allclose(grad, ref_max_pool_grad(x, pool, strides, g), rtol=1e-12, atol=1e-12)


def test_same_average_pooling_divides_by_real_elements():
    x = np.ones((1, 3, 3, 1), dtype="float32")
    out = layers.AveragePooling2D(pool_size=2, strides=2, padding="same")(x).numpy()
    assert_allclose(out, np.ones((1, 2, 2, 1)))


def test_global_average_pooling1d_mask():
    x = np.arange(12, dtype="float32").reshape(2, 3, 2)
    mask = np.array([[True, True, False], [True, False, False]])
    out = layers.GlobalAveragePooling1D()(x, mask=mask).numpy()
    assert_allclose(out, [x[0, :2].mean(0), x[1, :1].mean(0)])


def test_pooling_configs_and_errors():
    config = layers.MaxPooling2D().get_config()
    assert tuple(config["pool_size"]) == (2, 2) and tuple(config["strides"]) == (2, 2)
    assert {"pool_size", "padding", "strides", "data_format"} <= set(config)
    assert tuple(layers.AveragePooling1D(3).get_config()["strides"]) == (3,)
    assert set(layers.GlobalMaxPooling2D().get_config()) >= {"data_format", "keepdims"}
    with pytest.raises(ConfigError, match="padding"):
        layers.MaxPooling2D(padding="causal")
    with pytest.raises(ConfigError, match="pool_size"):
        layers.MaxPooling2D(pool_size=0)
    with pytest.raises(ConfigError, match="empty"):
        layers.MaxPooling2D(pool_size=4).compute_output_shape((None, 3, 3, 1))


def test_float32_stays_float32():
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype("float32")
    for layer in (layers.MaxPooling2D(), layers.AveragePooling2D(3, 2, "same"), layers.MaxPooling2D(3, 1, "same")):
        assert layer(x).dtype == np.float32
