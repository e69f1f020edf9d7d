"""Convolution and pooling ops: gradients by finite differences, skipped work, dtypes, geometry helpers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import ops
from engine.autograd import Variable, gradients, no_grad
from engine.backend import xp
from engine.ops.conv import conv_output_length, deconv_output_length, same_padding
from tests.engine.gradcheck import check_gradients
from tests.engine.host import assert_array_equal

RNG = np.random.default_rng(0)


def _arrays(*shapes):
    return [RNG.standard_normal(shape) for shape in shapes]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"relu": True},
        {"strides": 2, "padding": "same"},
        {"strides": (1, 2), "padding": "same", "dilation_rate": (2, 1)},
        {"padding": ((1, 0), (2, 1))},
        {"data_format": "channels_first"},
    ],
)
def test_conv2d_gradients(kwargs):
    x, w, b = _arrays((2, 5, 6, 3), (3, 2, 3, 4), (4,))
    if kwargs.get("data_format") == "channels_first":
        x = x.transpose(0, 3, 1, 2).copy()
    check_gradients(lambda t: ops.conv2d(t[0], t[1], t[2], **kwargs), [x, w, b])


def test_conv2d_pointwise_and_no_bias_gradients():
    x, w = _arrays((2, 3, 4, 3), (1, 1, 3, 2))
    check_gradients(lambda t: ops.conv2d(t[0], t[1], relu=True), [x, w])
    check_gradients(lambda t: ops.conv2d(t[0], t[1], t[2]), [x, w, RNG.standard_normal(2)])
    x, w = _arrays((2, 4, 4, 2), (2, 2, 2, 3))
    check_gradients(lambda t: ops.conv2d(t[0], t[1], strides=2), [x, w])


def test_grouped_conv_gradients():
    x, w, b = _arrays((2, 4, 4, 4), (2, 2, 2, 6), (6,))
    check_gradients(lambda t: ops.conv2d(t[0], t[1], t[2], groups=2), [x, w, b])


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
def test_conv1d_gradients(padding):
    x, w, b = _arrays((2, 7, 2), (3, 2, 3), (3,))
    check_gradients(lambda t: ops.conv1d(t[0], t[1], t[2], strides=2, padding=padding), [x, w, b])


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"strides": 2, "padding": "same"},
        {"strides": (2, 3), "output_padding": (1, 2)},
        {"strides": 2, "padding": "same", "output_padding": 0, "dilation_rate": 1},
        {"dilation_rate": 2},
        {"data_format": "channels_first", "strides": 2},
    ],
)
def test_conv2d_transpose_gradients(kwargs):
    x, w, b = _arrays((2, 3, 4, 3), (3, 3, 2, 3), (2,))
    if kwargs.get("data_format") == "channels_first":
        x = x.transpose(0, 3, 1, 2).copy()
    check_gradients(lambda t: ops.conv2d_transpose(t[0], t[1], t[2], **kwargs), [x, w, b])


@pytest.mark.parametrize("kwargs", [{}, {"strides": 2, "padding": "same"}, {"dilation_rate": 2}])
def test_depthwise_gradients(kwargs):
    x, w, b = _arrays((2, 5, 5, 2), (2, 2, 2, 3), (6,))
    check_gradients(lambda t: ops.depthwise_conv2d(t[0], t[1], t[2], **kwargs), [x, w, b])


@pytest.mark.parametrize(
    ("op", "kwargs"),
    [
        (ops.max_pool2d, {}),
        (ops.max_pool2d, {"pool_size": 3, "strides": 2, "padding": "same"}),
        (ops.max_pool2d, {"pool_size": (2, 3), "data_format": "channels_first"}),
        (ops.avg_pool2d, {}),
        (ops.avg_pool2d, {"pool_size": 3, "strides": 2, "padding": "same"}),
        (ops.avg_pool2d, {"pool_size": 2, "strides": 1}),
    ],
)
def test_pool2d_gradients(op, kwargs):
    x = RNG.permutation(2 * 5 * 7 * 2).reshape(2, 5, 7, 2) / 3.0  # distinct values: no ties
    check_gradients(lambda t: op(t[0], **kwargs), [x])


@pytest.mark.parametrize("op", [ops.max_pool1d, ops.avg_pool1d])
def test_pool1d_gradients(op):
    x = RNG.permutation(2 * 7 * 3).reshape(2, 7, 3) / 3.0
    check_gradients(lambda t: op(t[0], pool_size=3, strides=2, padding="same"), [x])
    check_gradients(lambda t: op(t[0], data_format="channels_first"), [x])


def test_blocked_and_general_max_pool_paths_agree():
    x = RNG.integers(0, 4, size=(3, 8, 10, 5)).astype(np.float32)  # many ties
    blocked = Variable(x)
    blocked.requires_grad = True
    out = ops.max_pool2d(blocked, 2)
    g = RNG.standard_normal(out.shape).astype(np.float32)
    (grad_blocked,) = gradients(out, [blocked], seed=g)
    # pool 2 stride 2 via padding='same' on an odd size takes the general (padded) path
    padded = Variable(np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)), constant_values=-100.0))
    padded.requires_grad = True
    out_general = ops.max_pool2d(padded, 2, padding="same")
    assert_array_equal(out_general.data[:, :4, :5], out.data)
    g_general = np.zeros(out_general.shape, np.float32)
    g_general[:, :4, :5] = g
    (grad_general,) = gradients(out_general, [padded], seed=g_general)
    assert_array_equal(grad_general[:, :8, :10], grad_blocked)


def test_input_gradient_skipped_when_not_needed():
    x = Variable(RNG.standard_normal((2, 5, 5, 2)).astype(np.float32))
    w = Variable(RNG.standard_normal((3, 3, 2, 4)).astype(np.float32))
    b = Variable(np.zeros(4, np.float32))
    w.requires_grad = b.requires_grad = True
    out = ops.conv2d(x, w, b, relu=True)
    gx, gw, gb = out._backward(xp.ones(out.shape, np.float32))  # internal: takes device arrays
    assert gx is None and gw.shape == (3, 3, 2, 4) and gb.shape == (4,)
    assert gw.dtype == np.float32 and out.dtype == np.float32


def test_float32_preserved_everywhere():
    x = Variable(RNG.standard_normal((2, 6, 6, 2)).astype(np.float32))
    x.requires_grad = True
    w = RNG.standard_normal((3, 3, 2, 2)).astype(np.float32)
    b = np.zeros(2, np.float32)
    for out in (
        ops.conv2d(x, w, b, padding="same"),
        ops.conv2d_transpose(x, w, b, strides=2),
        ops.depthwise_conv2d(x, w, np.zeros(4, np.float32)),
        ops.max_pool2d(x, 3, 2, "same"),
        ops.avg_pool2d(x, 3, 2, "same"),
        ops.max_pool2d(x),
    ):
        assert out.dtype == np.float32
        (grad,) = gradients(out, [x], seed=np.ones(out.shape, np.float32))
        assert grad.dtype == np.float32


def test_no_grad_keeps_no_graph():
    x = Variable(RNG.standard_normal((1, 4, 4, 1)))
    x.requires_grad = True
    with no_grad():
        out = ops.conv2d(x, RNG.standard_normal((2, 2, 1, 1)))
    assert not out.requires_grad and out._backward is None


def test_geometry_helpers_follow_keras():
    assert same_padding(5, 3, 2) == (1, 1)
    assert same_padding(6, 3, 2) == (0, 1)  # the odd extra goes bottom/right
    assert same_padding(4, 4, 1) == (1, 2)
    assert conv_output_length(7, 3, 2, "same") == 4
    assert conv_output_length(7, 3, 2, "valid") == 3
    assert conv_output_length(7, 3, 1, "valid", dilation=2) == 3
    assert conv_output_length(7, 3, 2, "causal") == 4
    assert conv_output_length(None, 3, 1, "valid") is None
    assert deconv_output_length(3, 3, 2, "valid") == 7
    assert deconv_output_length(3, 3, 2, "same") == 6
    assert deconv_output_length(3, 3, 2, "valid", output_padding=1) == 8
    assert deconv_output_length(3, 1, 3, "valid") == 9  # max(kernel, stride) when kernel < stride
