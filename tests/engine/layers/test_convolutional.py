"""Convolution layers: table rows through the harness, loop-based NumPy references, a real Keras model."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from engine import backend, layers
from engine.errors import ConfigError, ShapeError
from tests.engine.keras_fixtures import path
from tests.engine.layer_harness import run_layer_checks

CASES = [
    (layers.Conv1D, {"filters": 3, "kernel_size": 2}, (2, 6, 2)),
    (layers.Conv1D, {"filters": 2, "kernel_size": 3, "padding": "same", "strides": 2}, (2, 7, 2)),
    (layers.Conv1D, {"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 2}, (2, 6, 2)),
    (layers.Conv1D, {"filters": 2, "kernel_size": 3, "data_format": "channels_first", "activation": "relu"}, (2, 3, 6)),
    (layers.Conv1D, {"filters": 4, "kernel_size": 2, "groups": 2, "use_bias": False}, (2, 5, 4)),
    (layers.Conv2D, {"filters": 3, "kernel_size": 2}, (2, 4, 5, 2)),
    (layers.Conv2D, {"filters": 2, "kernel_size": 3, "padding": "same", "activation": "relu"}, (2, 5, 4, 2)),
    (layers.Conv2D, {"filters": 2, "kernel_size": (3, 2), "strides": (2, 1), "padding": "same"}, (2, 6, 5, 1)),
    (layers.Conv2D, {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "tanh"}, (1, 5, 5, 2)),
    (layers.Conv2D, {"filters": 2, "kernel_size": 3, "data_format": "channels_first", "padding": "same"}, (2, 2, 4, 4)),
    (layers.Conv2D, {"filters": 4, "kernel_size": 1, "groups": 2}, (2, 3, 3, 4)),
    (layers.Conv2D, {"filters": 3, "kernel_size": 1, "use_bias": False}, (2, 3, 3, 2)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3}, (2, 3, 3, 2)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 3, 2, 2)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 1}, (1, 2, 3, 2)),
    (layers.Conv2DTranspose, {"filters": 1, "kernel_size": 4, "strides": 3, "padding": "same", "output_padding": 2},
     (1, 2, 2, 2)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "activation": "relu"}, (1, 3, 3, 1)),
    (layers.Conv2DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first"},
     (1, 2, 2, 3)),
    (layers.DepthwiseConv2D, {"kernel_size": 2}, (2, 4, 4, 2)),
    (layers.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2, "padding": "same", "strides": 2}, (2, 5, 4, 2)),
    (layers.DepthwiseConv2D, {"kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first"}, (1, 2, 5, 5)),
    (layers.SeparableConv2D, {"filters": 3, "kernel_size": 2}, (2, 4, 4, 2)),
    (layers.SeparableConv2D, {"filters": 2, "kernel_size": 3, "depth_multiplier": 2, "padding": "same",
                              "activation": "relu"}, (1, 4, 5, 2)),
    (layers.SeparableConv2D, {"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first"},
     (1, 2, 4, 4)),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _float32_afterwards():
    yield
    backend.set_floatx("float32")


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES, ids=str)
def test_conv_layer(cls, kwargs, shape):
    run_layer_checks(cls, kwargs, shape)


# -- loop-based NumPy references (channels_last, float64) -------------------------
def _same_pads(length, kernel, stride, dilation=1):
    effective = (kernel - 1) * dilation + 1
    out = -(-length // stride)
    total = max((out - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def ref_conv2d(x, w, b, strides=(1, 1), padding="valid", dilation=(1, 1)):
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    if padding == "same":
        (t, bo), (le, r) = _same_pads(h, kh, strides[0], dilation[0]), _same_pads(wd, kw, strides[1], dilation[1])
        x = np.pad(x, ((0, 0), (t, bo), (le, r), (0, 0)))
    oh = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = np.zeros((n, oh, ow, f))
    for p in range(oh):
        for q in range(ow):
            for i in range(kh):
                for j in range(kw):
                    pixel = x[:, p * strides[0] + i * dilation[0], q * strides[1] + j * dilation[1], :]
                    out[:, p, q, :] += pixel @ w[i, j]
    return out + (0 if b is None else b)


def ref_depthwise(x, w, strides=(1, 1), padding="valid"):
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    outs = [ref_conv2d(x[..., ch : ch + 1], w[:, :, ch : ch + 1, :], None, strides, padding) for ch in range(c)]
    return np.concatenate(outs, axis=-1)  # channel-major: output channel ch * m + k


def ref_conv_transpose_full(x, w, strides, dilation=(1, 1)):
    """Scatter definition: every input pixel adds kernel * value at stride-spaced positions (uncropped)."""
    n, h, wd, c = x.shape
    kh, kw, f, _ = w.shape
    full = np.zeros((n, (h - 1) * strides[0] + (kh - 1) * dilation[0] + 1 + strides[0],
                     (wd - 1) * strides[1] + (kw - 1) * dilation[1] + 1 + strides[1], f))  # fmt: skip
    for p in range(h):
        for q in range(wd):
            for i in range(kh):
                for j in range(kw):
                    full[:, p * strides[0] + i * dilation[0], q * strides[1] + j * dilation[1], :] += (
                        x[:, p, q] @ w[i, j].T
                    )
    return full


def _layer(cls, x, weights, **kwargs):
    layer = cls(**kwargs)
    layer.build(x.shape)
    layer.set_weights(weights)
    return layer(x).numpy()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3},
        {"kernel_size": (2, 3), "strides": 2, "padding": "same"},
        {"kernel_size": 4, "strides": (2, 3), "padding": "same"},
        {"kernel_size": 2, "dilation_rate": (2, 1)},
        {"kernel_size": 3, "padding": "same", "dilation_rate": 2},
    ],
)
def test_conv2d_matches_loop_reference(kwargs):
    backend.set_floatx("float64")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 6, 3))
    kernel_size = kwargs["kernel_size"]
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    w, b = rng.standard_normal((kh, kw, 3, 4)), rng.standard_normal(4)
    got = _layer(layers.Conv2D, x, [w, b], filters=4, **kwargs)
    strides = kwargs.get("strides", 1)
    strides = (strides, strides) if isinstance(strides, int) else strides
    dilation = kwargs.get("dilation_rate", 1)
    dilation = (dilation, dilation) if isinstance(dilation, int) else dilation
    want = ref_conv2d(x, w, b, strides, kwargs.get("padding", "valid"), dilation)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_conv2d_channels_first_and_conv1d_agree_with_reference():
    backend.set_floatx("float64")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 6, 3))
    w, b = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal(2)
    got = _layer(layers.Conv2D, x.transpose(0, 3, 1, 2), [w, b], filters=2, kernel_size=3, data_format="channels_first")
    np.testing.assert_allclose(got, ref_conv2d(x, w, b).transpose(0, 3, 1, 2), rtol=1e-10, atol=1e-10)
    seq, w1 = rng.standard_normal((2, 9, 3)), rng.standard_normal((3, 3, 2))
    causal = _layer(layers.Conv1D, seq, [w1, b], filters=2, kernel_size=3, padding="causal", dilation_rate=2)
    padded = np.pad(seq, ((0, 0), (4, 0), (0, 0)))[:, None]
    want = ref_conv2d(padded, w1[None], b, dilation=(1, 2))[:, 0]
    np.testing.assert_allclose(causal, want, rtol=1e-10, atol=1e-10)


def test_grouped_conv2d_is_independent_convolutions():
    backend.set_floatx("float64")
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 5, 5, 4)), rng.standard_normal((3, 3, 2, 6)), rng.standard_normal(6)
    got = _layer(layers.Conv2D, x, [w, b], filters=6, kernel_size=3, groups=2)
    want = np.concatenate([ref_conv2d(x[..., :2], w[..., :3], b[:3]), ref_conv2d(x[..., 2:], w[..., 3:], b[3:])], -1)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "crop", "expected_hw"),
    [
        ({"kernel_size": 3}, (0, 0), (5, 6)),
        ({"kernel_size": 3, "strides": 2}, (0, 0), (7, 9)),
        ({"kernel_size": 3, "strides": 2, "padding": "same"}, (0, 0), (6, 8)),
        ({"kernel_size": 4, "strides": 2, "padding": "same"}, (1, 1), (6, 8)),
        ({"kernel_size": 3, "strides": 2, "output_padding": 1}, (0, 0), (8, 10)),
        ({"kernel_size": 3, "strides": 3, "padding": "same", "output_padding": 2}, (0, 0), (9, 12)),
        ({"kernel_size": 2, "dilation_rate": 2}, (0, 0), (5, 6)),
    ],
)
def test_conv2d_transpose_matches_scatter_reference(kwargs, crop, expected_hw):
    backend.set_floatx("float64")
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4, 3))
    k = kwargs["kernel_size"]
    w, b = rng.standard_normal((k, k, 2, 3)), rng.standard_normal(2)
    got = _layer(layers.Conv2DTranspose, x, [w, b], filters=2, **kwargs)
    assert got.shape[1:3] == expected_hw
    s, d = kwargs.get("strides", 1), kwargs.get("dilation_rate", 1)
    full = ref_conv_transpose_full(x, w, (s, s), (d, d))
    want = full[:, crop[0] : crop[0] + expected_hw[0], crop[1] : crop[1] + expected_hw[1]] + b
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("padding", "size"), [("valid", 9), ("same", 8), ("same", 6)])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(padding, size):
    """Keras's Conv2DTranspose is the input gradient of Conv2D with the same kernel, strides and padding."""
    backend.set_floatx("float64")
    rng = np.random.default_rng(5)
    w = rng.standard_normal((3, 3, 2, 3))  # as a transpose kernel: 3 -> 2 channels; as a conv kernel: 2 -> 3
    y = rng.standard_normal((2, size, size, 2))
    conv = ref_conv2d(y, w, None, (2, 2), padding)
    x = rng.standard_normal(conv.shape)
    back = _layer(layers.Conv2DTranspose, x, [w], filters=2, kernel_size=3, strides=2, padding=padding, use_bias=False)
    assert back.shape == y.shape
    np.testing.assert_allclose(np.sum(conv * x), np.sum(y * back), rtol=1e-10)


@pytest.mark.parametrize(("multiplier", "strides", "padding"), [(1, 1, "valid"), (2, 2, "same"), (3, 1, "same")])
def test_depthwise_and_separable_match_reference(multiplier, strides, padding):
    backend.set_floatx("float64")
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 6, 5, 3))
    dw, db = rng.standard_normal((3, 3, 3, multiplier)), rng.standard_normal(3 * multiplier)
    want = ref_depthwise(x, dw, (strides, strides), padding)
    got = _layer(
        layers.DepthwiseConv2D, x, [dw, db], kernel_size=3, depth_multiplier=multiplier, strides=strides,
        padding=padding,
    )  # fmt: skip
    np.testing.assert_allclose(got, want + db, rtol=1e-10, atol=1e-10)
    pw, pb = rng.standard_normal((1, 1, 3 * multiplier, 4)), rng.standard_normal(4)
    got = _layer(
        layers.SeparableConv2D, x, [dw, pw, pb], filters=4, kernel_size=3, depth_multiplier=multiplier,
        strides=strides, padding=padding,
    )  # fmt: skip
    np.testing.assert_allclose(got, want @ pw[0, 0] + pb, rtol=1e-10, atol=1e-10)


def test_weight_names_shapes_and_order_follow_keras():
    def weights(layer, shape):
        layer.build(shape)
        return [(w.name, w.shape) for w in layer.weights]

    assert weights(layers.Conv2D(4, 3), (None, 8, 8, 2)) == [("kernel", (3, 3, 2, 4)), ("bias", (4,))]
    assert weights(layers.Conv1D(4, 3), (None, 8, 2)) == [("kernel", (3, 2, 4)), ("bias", (4,))]
    assert weights(layers.Conv2DTranspose(4, 3), (None, 8, 8, 2)) == [("kernel", (3, 3, 4, 2)), ("bias", (4,))]
    assert weights(layers.DepthwiseConv2D(3, depth_multiplier=2), (None, 8, 8, 2)) == [
        ("depthwise_kernel", (3, 3, 2, 2)),
        ("bias", (4,)),
    ]
    assert weights(layers.SeparableConv2D(5, 3, depth_multiplier=2), (None, 8, 8, 2)) == [
        ("depthwise_kernel", (3, 3, 2, 2)),
        ("pointwise_kernel", (1, 1, 4, 5)),
        ("bias", (5,)),
    ]
    assert weights(layers.Conv2D(4, 3, data_format="channels_first"), (None, 2, 8, 8))[0] == ("kernel", (3, 3, 2, 4))


def test_config_keys_match_keras():
    config = layers.Conv2D(8, 3, padding="SAME").get_config()
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
                "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"):  # fmt: skip
        assert key in config
    assert config["padding"] == "same" and tuple(config["kernel_size"]) == (3, 3)
    assert "output_padding" in layers.Conv2DTranspose(2, 3).get_config()
    assert "groups" not in layers.Conv2DTranspose(2, 3).get_config()
    assert "depthwise_initializer" in layers.DepthwiseConv2D(3).get_config()
    assert "pointwise_constraint" in layers.SeparableConv2D(2, 3).get_config()
    # Keras 2 configs of depthwise/separable layers carry groups=1, Keras 3 configs of Conv2D carry groups.
    assert layers.DepthwiseConv2D(3, groups=1).depth_multiplier == 1


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: layers.Conv2D(0, 3), "filters"),
        (lambda: layers.Conv2D(4, (3, 3, 3)), "kernel_size"),
        (lambda: layers.Conv2D(4, 3, padding="causal"), "padding"),
        (lambda: layers.Conv1D(4, 3, padding="full"), "padding"),
        (lambda: layers.Conv2D(4, 3, strides=0), "strides"),
        (lambda: layers.Conv2D(6, 3, groups=4), "groups"),
        (lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
    ],
)
def test_bad_arguments_raise_config_errors(build, message):
    with pytest.raises(ConfigError, match=message):
        build()


def test_wrong_rank_and_channels_are_shape_errors():
    layer = layers.Conv2D(2, 3)
    with pytest.raises(ShapeError, match="conv2d"):
        layer(np.zeros((2, 5, 5), dtype="float32"))
    layer(np.zeros((1, 5, 5, 3), dtype="float32"))
    with pytest.raises(ShapeError, match="axis -1"):
        layer(np.zeros((1, 5, 5, 4), dtype="float32"))
    with pytest.raises(ShapeError, match="too small"):
        layers.Conv2D(2, 5)(np.zeros((1, 4, 6, 1), dtype="float32"))
    with pytest.raises(ShapeError, match="too small"):
        layers.SeparableConv2D(2, 3, dilation_rate=3)(np.zeros((1, 6, 6, 1), dtype="float32"))
    with pytest.raises(ConfigError, match="divisible"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), dtype="float32"))


def test_float32_stays_float32():
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 3)).astype("float32")
    for layer in (layers.Conv2D(4, 3, activation="relu"), layers.Conv2DTranspose(2, 3, strides=2),
                  layers.DepthwiseConv2D(3), layers.SeparableConv2D(2, 3)):  # fmt: skip
        assert layer(x).dtype == np.float32


def test_keras_cnn_fixture_predictions():
    """A trained Keras 3 Conv2D(8,3,relu,same)-MaxPooling2D-Conv2D(16,3)-Flatten-Dense(10,softmax) model."""
    with h5py.File(path("keras", "cnn.h5"), "r") as f:
        group = f["model_weights"]

        def weights(name):
            names = [n.decode() if isinstance(n, bytes) else n for n in group[name].attrs["weight_names"]]
            return [np.asarray(group[name][n]) for n in names]

        conv1, conv2, dense = weights("conv2d"), weights("conv2d_1"), weights("dense")
    x = np.load(path("keras", "cnn_x.npy"))
    expected = np.load(path("keras", "cnn_y.npy"))
    first = layers.Conv2D(8, 3, activation="relu", padding="same")
    pool = layers.MaxPooling2D(2)
    second = layers.Conv2D(16, 3)
    head = layers.Dense(10, activation="softmax")
    h = first(x)
    first.set_weights(conv1)
    h = second(pool(first(x)))
    second.set_weights(conv2)
    h = second(pool(first(x))).numpy().reshape(len(x), -1)
    head(h)
    head.set_weights(dense)
    np.testing.assert_allclose(head(h).numpy(), expected, rtol=1e-5, atol=1e-5)
