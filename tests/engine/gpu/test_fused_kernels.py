"""The fused GPU kernels (engine/backend/fused.py) against the NumPy code paths they replace.

Each case runs the same op forward and backward on both backends, in float64 and float32, over
geometries that stress the index arithmetic: strides, dilation, odd 'same' padding, explicit pads,
odd image sizes that pooling leaves uncovered, ties and NaNs.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend
from engine.autograd import Variable, gradients
from engine.backend import _state
from engine.errors import DataError
from engine.losses import functions as loss_functions
from engine.metrics import accuracy_metrics
from engine.ops import conv2d, max_pool2d
from engine.ops.losses_fused import sparse_softmax_cross_entropy
from engine.ops.nn import softmax
from tests.engine.kernel_cases import CONV_CASES, TOLERANCES, conv_case_id


def _on(name, fn, *arrays, dtype="float64"):
    """``fn`` of Variables holding ``arrays`` on backend ``name``: (value, gradient of sum(value * probe)), on host."""
    previous, previous_floatx = _state.backend(), backend.floatx()
    _state.set_backend(name)
    backend.set_floatx(dtype)
    try:
        xp = backend.xp
        variables = [Variable(xp.asarray(a.astype(dtype))) for a in arrays]
        for variable in variables:
            variable.requires_grad = True
        out = fn(*variables)
        probe = xp.asarray(np.random.default_rng(9).normal(size=out.shape).astype(dtype))
        grads = gradients((out * probe).sum(), variables)
        return backend.to_numpy(out.data), [backend.to_numpy(g) for g in grads]
    finally:
        _state.set_backend(previous)
        backend.set_floatx(previous_floatx)


def _same_on_both(fn, *arrays, dtype="float64"):
    tol = TOLERANCES[dtype]
    out_np, grads_np = _on("numpy", fn, *arrays, dtype=dtype)
    out_cp, grads_cp = _on("cupy", fn, *arrays, dtype=dtype)
    np.testing.assert_allclose(out_cp, out_np, **tol)
    for g_cp, g_np in zip(grads_cp, grads_np, strict=True):
        assert g_np is not None and g_cp is not None
        np.testing.assert_allclose(g_cp, g_np, **tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("case", CONV_CASES, ids=conv_case_id)
def test_conv2d_im2col_and_col2im_kernels(cupy_backend, case, bias, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 11, 9, 4))
    w = rng.normal(size=(*case["kernel"], 4, 5))
    b = rng.normal(size=(5,))
    kwargs = {k: v for k, v in case.items() if k != "kernel"}
    if bias:
        _same_on_both(lambda x, w, b: conv2d(x, w, b, relu=True, **kwargs), x, w, b, dtype=dtype)
    else:
        _same_on_both(lambda x, w: conv2d(x, w, None, **kwargs), x, w, dtype=dtype)


@pytest.mark.parametrize("shape", [(2, 8, 6, 3), (2, 7, 9, 5), (1, 3, 3, 1)])
def test_max_pool_2x2_kernel_with_ties_and_odd_sizes(cupy_backend, shape):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, size=shape).astype("float64")  # many ties: the first maximum must win
    _same_on_both(lambda x: max_pool2d(x, 2), x)
    _same_on_both(lambda x: max_pool2d(x, 2), rng.normal(size=shape), dtype="float32")


def test_max_pool_2x2_kernel_propagates_nan(cupy_backend):
    x = np.arange(16, dtype="float64").reshape(1, 4, 4, 1)
    x[0, 1, 1, 0] = np.nan
    out, _ = _on("cupy", lambda x: max_pool2d(x, 2), x)
    assert np.isnan(out[0, 0, 0, 0]) and not np.isnan(out[0, 1, 1, 0])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sparse_crossentropy_from_softmax_kernel(cupy_backend, dtype):
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(13, 7)) * 4
    labels = rng.integers(0, 7, size=13)

    def loss(z):
        labels_on = backend.xp.asarray(labels)
        return sparse_softmax_cross_entropy(labels_on, z, probs=softmax(z).data)

    _same_on_both(loss, logits, dtype=dtype)


def test_sparse_accuracy_kernel_matches_argmax_with_ties(cupy_backend):
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 3, size=(40, 5)).astype("float32")
    labels = rng.integers(0, 5, size=40)
    expected = (scores.argmax(axis=1) == labels).astype("float32")  # NumPy's argmax: the first maximum wins
    got = accuracy_metrics.sparse_categorical_accuracy(cupy_backend.asarray(labels), cupy_backend.asarray(scores))
    assert type(got).__module__.startswith("cupy")
    np.testing.assert_array_equal(backend.to_numpy(got), expected)


def test_out_of_range_label_on_gpu_names_the_label(cupy_backend):
    labels = cupy_backend.asarray(np.array([0, 3, 9]))
    with pytest.raises(DataError, match="received label 9"):
        loss_functions.sparse_categorical_crossentropy(labels, cupy_backend.full((3, 4), 0.25, dtype="float32"))
