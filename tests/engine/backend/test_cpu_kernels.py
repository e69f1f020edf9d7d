"""The compiled CPU kernels (engine/backend/csrc/, built as engine.backend._cpu_kernels) against the
NumPy code they replace.

Where the order of operations is the same (the optimizers, pooling, ReLU's gradient, Dense's bias) they
must be bit-identical to it, so a run gives the same weights whether or not the kernels were built;
col2im gathers the columns of one GEMM where NumPy adds one GEMM per kernel position, so it agrees to
rounding. A bad argument must raise, never crash the process.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from engine import backend, layers, models, optimizers, utils
from engine.autograd import Variable, gradients
from engine.backend import fused
from engine.ops import conv2d, max_pool2d
from tests.engine.kernel_cases import CONV_CASES, TOLERANCES, conv_case_id

_KERNELS = fused._cpu_kernels
needs_kernels = pytest.mark.skipif(
    not fused.cpu_kernels_available(), reason="CPU kernels off (no C compiler at install, or STRATA_CPU_KERNELS=0)"
)


def test_the_kernels_are_built_where_ci_runs():
    # CI installs the project as README says, on a machine with a compiler: the fast path must be there
    # (built, even in CI's second pass that turns it off with STRATA_CPU_KERNELS=0).
    if not os.environ.get("CI"):
        pytest.skip("only enforced in CI")
    import importlib.util

    assert importlib.util.find_spec("engine.backend._cpu_kernels") is not None


def _numpy_adam(g, w, m, v, alpha, b1, b2, eps, v_hat=None):
    """The NumPy path of engine.optimizers.Adam.update_step, step by step."""
    tmp = g - m
    tmp *= 1 - b1
    m += tmp
    tmp = np.square(g)
    tmp -= v
    tmp *= 1 - b2
    v += tmp
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    tmp = np.sqrt(v)
    tmp += eps
    upd = m * alpha
    upd /= tmp
    w -= upd


def _state(size, dtype, seed):
    rng = np.random.default_rng(seed)
    g, w, m = (rng.standard_normal(size).astype(dtype) for _ in range(3))
    v = np.abs(rng.standard_normal(size)).astype(dtype) * 0.01
    v_hat = np.abs(rng.standard_normal(size)).astype(dtype) * 0.01
    return g, w, m, v, v_hat


@needs_kernels
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [0, 1, 7, 16, 33, 1000, 4099])  # vector bodies and their tails
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_kernel_is_bit_identical_to_the_numpy_path(dtype, size, amsgrad):
    expected = _state(size, dtype, seed=size)
    got = tuple(a.copy() for a in expected)
    hyper = (0.0012345, 0.9, 0.999, 1e-7)
    e_g, e_w, e_m, e_v, e_vh = expected
    _numpy_adam(e_g, e_w, e_m, e_v, *hyper, v_hat=e_vh if amsgrad else None)
    g, w, m, v, vh = got
    assert fused.adam_update(g, w, m, v, *hyper, v_hat=vh if amsgrad else None)
    for name, a, b in zip("gwmv", expected[:4], got[:4]):
        np.testing.assert_array_equal(a, b, err_msg=name, strict=True)
    if amsgrad:
        np.testing.assert_array_equal(e_vh, vh, strict=True)


@needs_kernels
def test_amsgrad_keeps_numpy_nan_rule_in_the_running_maximum():
    g, w, m, v, v_hat = _state(8, "float32", seed=1)
    v_hat[2] = np.nan
    g[5] = np.nan  # makes v[5] NaN
    expected = tuple(a.copy() for a in (g, w, m, v, v_hat))
    _numpy_adam(*expected[:4], 0.001, 0.9, 0.999, 1e-7, v_hat=expected[4])
    assert fused.adam_update(g, w, m, v, 0.001, 0.9, 0.999, 1e-7, v_hat=v_hat)
    np.testing.assert_array_equal(expected[4], v_hat)
    np.testing.assert_array_equal(expected[1], w)
    assert np.isnan(v_hat[2]) and np.isnan(v_hat[5])


@needs_kernels
def test_arrays_the_kernel_cannot_take_are_left_to_numpy():
    g, w, m, v, _ = _state(12, "float32", seed=2)
    strided = np.zeros(24, "float32")[::2]
    read_only = w.copy()
    read_only.flags.writeable = False
    for args in [
        (g, strided, m, v),  # not contiguous
        (g.astype("float64"), w, m, v),  # mixed types
        (g.astype("float16"), w.astype("float16"), m.astype("float16"), v.astype("float16")),
        (g, read_only, m, v),
        (g[:6], w[:6], m, v),  # sizes differ
    ]:
        before = [a.copy() for a in args]
        assert fused.adam_update(*args, 0.001, 0.9, 0.999, 1e-7) is False
        for a, b in zip(args, before):
            np.testing.assert_array_equal(a, b)


@needs_kernels
def test_the_raw_kernel_rejects_bad_buffers_with_an_exception():
    kernels = fused._cpu_kernels
    g, w, m, v, _ = _state(4, "float32", seed=3)
    adam = (0.1, 0.1, 0.1, 1e-7)
    with pytest.raises(TypeError, match="float32 or float64"):
        kernels.optimizer_update("adam", g, w, (m, v.astype("float64")), adam)
    with pytest.raises(TypeError, match="float32 or float64"):
        kernels.optimizer_update("adam", g, w, (m, np.zeros(5, "float32")), adam)
    with pytest.raises(BufferError):
        kernels.optimizer_update("adam", g, b"read-only bytes", (m, v), adam)
    with pytest.raises(TypeError):
        kernels.optimizer_update("adam", g, w, (m, v), ("lr", 0.1, 0.1, 1e-7))
    with pytest.raises(TypeError):  # not a buffer at all: an exception, not a SystemError
        kernels.optimizer_update("adam", [1.0, 2.0], w, (m, v), adam)
    with pytest.raises(TypeError, match="not None"):
        kernels.optimizer_update("sgd", None, w, (None,), (0.1, 0.0, 0.0))
    with pytest.raises(TypeError, match="slot 2 must be an array"):
        kernels.optimizer_update("adam", g, w, (m, None), adam)
    with pytest.raises(ValueError, match="no kernel for lamb"):
        kernels.optimizer_update("lamb", g, w, (m, v), adam)
    with pytest.raises(ValueError, match="takes 2 coefficients"):
        kernels.optimizer_update("adagrad", g, w, (m,), (0.1,))
    with pytest.raises(TypeError, match="takes 2 to 2 slot arrays"):
        kernels.optimizer_update("nadam", g, w, (m,), (0.1,) * 9)
    with pytest.raises(TypeError):
        kernels.optimizer_update("adagrad", g, w, (m,), (0.1, "eps"))
    with pytest.raises(TypeError):
        kernels.relu_grad("gradient", w, m)


def _fit_weights(optimizer, dtype: str = "float32") -> list[np.ndarray]:
    utils.set_random_seed(7)
    previous = backend.floatx()
    backend.set_floatx(dtype)
    try:
        model = models.Sequential([layers.Input(shape=(20,)), layers.Dense(33, activation="relu"), layers.Dense(3)])
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        rng = np.random.default_rng(0)
        x = rng.standard_normal((96, 20)).astype(dtype)
        y = rng.integers(0, 3, 96)
        model.fit(x, y, batch_size=16, epochs=2, verbose=0)
        return model.get_weights()
    finally:
        backend.set_floatx(previous)


OPTIMIZERS = {
    "adam": optimizers.Adam,
    "amsgrad": lambda: optimizers.Adam(amsgrad=True),
    "adamw": lambda: optimizers.AdamW(weight_decay=0.01),
    "sgd": lambda: optimizers.SGD(0.05),
    "sgd_momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": optimizers.RMSprop,
    "rmsprop_momentum": lambda: optimizers.RMSprop(momentum=0.5),
    "rmsprop_centered": lambda: optimizers.RMSprop(centered=True),
    "rmsprop_centered_momentum": lambda: optimizers.RMSprop(momentum=0.5, centered=True),
    "adagrad": lambda: optimizers.Adagrad(0.05),
    "adamax": optimizers.Adamax,
    "nadam": optimizers.Nadam,
    "adadelta": lambda: optimizers.Adadelta(1.0),
}
KERNEL_OF = {"amsgrad": "adam", "adamw": "adam"}  # the rest use the kernel of their own name


@needs_kernels
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_training_gives_the_same_weights_with_and_without_the_kernels(monkeypatch, name, dtype):
    calls = []
    monkeypatch.setattr(fused, "_cpu_kernels", _CountingKernels(_KERNELS, calls))
    with_kernels = _fit_weights(OPTIMIZERS[name](), dtype)
    family = name.split("_")[0]
    kernel = KERNEL_OF.get(family, family)
    assert ("optimizer_update", kernel) in calls, f"{name} did not use the {kernel} kernel"
    monkeypatch.setattr(fused, "_cpu_kernels", None)
    without = _fit_weights(OPTIMIZERS[name](), dtype)
    for a, b in zip(with_kernels, without, strict=True):
        np.testing.assert_array_equal(a, b)


class _CountingKernels:
    """The kernels module, recording which kernels were called."""

    def __init__(self, kernels, calls: list) -> None:
        self._kernels, self._calls = kernels, calls

    def __getattr__(self, name: str):
        function = getattr(self._kernels, name)

        def counted(*args):
            self._calls.append((name, args[0] if name == "optimizer_update" else None))
            return function(*args)

        return counted


# -- convolution, pooling and ReLU kernels against the NumPy paths -----------------------------------------
def _value_and_grads(monkeypatch, kernels_on: bool, fn, *arrays, dtype="float64"):
    """``fn`` of Variables holding ``arrays``: (value, gradients of sum(value * probe)), kernels on or off."""
    monkeypatch.setattr(fused, "_cpu_kernels", _KERNELS if kernels_on else None)
    variables = [Variable(a.astype(dtype)) for a in arrays]
    for variable in variables:
        variable.requires_grad = True
    out = fn(*variables)
    probe = np.random.default_rng(9).normal(size=out.shape).astype(dtype)
    return out.data, gradients((out * probe).sum(), variables)


def _same_with_and_without(monkeypatch, fn, *arrays, dtype="float64", exact=False):
    with_kernels = _value_and_grads(monkeypatch, True, fn, *arrays, dtype=dtype)
    numpy_path = _value_and_grads(monkeypatch, False, fn, *arrays, dtype=dtype)
    tol = TOLERANCES[dtype]
    check = np.testing.assert_array_equal if exact else lambda a, b: np.testing.assert_allclose(a, b, **tol)
    check(with_kernels[0], numpy_path[0])
    for a, b in zip(with_kernels[1], numpy_path[1], strict=True):
        assert a.dtype == b.dtype == np.dtype(dtype)
        check(a, b)


@needs_kernels
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("channels", [1, 4])
@pytest.mark.parametrize("case", CONV_CASES, ids=conv_case_id)
def test_conv2d_im2col_and_col2im_kernels_match_the_numpy_path(monkeypatch, case, channels, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 11, 9, channels))
    w = rng.normal(size=(*case["kernel"], channels, 5))
    b = rng.normal(size=(5,))
    kwargs = {k: v for k, v in case.items() if k != "kernel"}
    _same_with_and_without(monkeypatch, lambda x, w, b: conv2d(x, w, b, relu=True, **kwargs), x, w, b, dtype=dtype)
    _same_with_and_without(monkeypatch, lambda x, w: conv2d(x, w, None, **kwargs), x, w, dtype=dtype)


@needs_kernels
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(2, 8, 6, 3), (2, 7, 9, 5), (1, 3, 3, 1), (2, 2, 2, 33)])
def test_max_pool_2x2_kernels_are_exact_with_ties_and_odd_sizes(monkeypatch, shape, dtype):
    x = np.random.default_rng(1).integers(0, 3, size=shape).astype("float64")  # many ties
    _same_with_and_without(monkeypatch, lambda x: max_pool2d(x, 2), x, dtype=dtype, exact=True)


@needs_kernels
def test_max_pool_2x2_kernel_keeps_numpy_nan_rule(monkeypatch):
    x = np.random.default_rng(2).normal(size=(1, 4, 4, 3))
    x[0, 0, 1, 0] = np.nan
    x[0, 3, 3, 2] = np.nan
    with_kernels = _value_and_grads(monkeypatch, True, lambda x: max_pool2d(x, 2), x)[0]
    numpy_path = _value_and_grads(monkeypatch, False, lambda x: max_pool2d(x, 2), x)[0]
    np.testing.assert_array_equal(with_kernels, numpy_path)
    assert np.isnan(with_kernels[0, 0, 0, 0]) and np.isnan(with_kernels[0, 1, 1, 2])


@needs_kernels
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_gradient_kernel(dtype):
    rng = np.random.default_rng(3)
    g = rng.normal(size=(37, 5)).astype(dtype)
    out = np.maximum(rng.normal(size=(37, 5)), 0).astype(dtype)
    g[0, :2] = [np.nan, -1.0]
    out[0, :2] = 0  # NaN and -1.0 where the output is 0: NumPy's product gives NaN and -0.0
    got = fused.relu_grad(g, out)
    np.testing.assert_array_equal(got, g * (out > 0), strict=True)
    assert np.isnan(got[0, 0]) and np.signbit(got[0, 1])
    assert fused.relu_grad(g, out.astype("float16")) is None  # mixed types stay with NumPy


@needs_kernels
def test_a_cnn_trains_to_the_same_weights_with_and_without_the_kernels(monkeypatch):
    def run():
        utils.set_random_seed(3)
        model = models.Sequential([
            layers.Input(shape=(10, 10, 2)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(3, 3, padding="same", activation="relu"), layers.Flatten(), layers.Dense(3),
        ])  # fmt: skip
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        rng = np.random.default_rng(0)
        model.fit(rng.normal(size=(32, 10, 10, 2)).astype("float32"), rng.integers(0, 3, 32), batch_size=8,
                  epochs=2, verbose=0)  # fmt: skip
        return model.get_weights()

    with_kernels = run()
    monkeypatch.setattr(fused, "_cpu_kernels", None)
    for a, b in zip(with_kernels, run(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@needs_kernels
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("relu", [False, True])
def test_bias_and_relu_kernel_matches_numpy(dtype, relu):
    rng = np.random.default_rng(4)
    out = rng.normal(size=(9, 37)).astype(dtype)
    out[0, :3] = [np.nan, -0.0, np.inf]
    bias = rng.normal(size=37).astype(dtype)
    bias[:3] = 0
    expected = out + bias
    if relu:
        expected = np.maximum(expected, 0)
    assert fused.add_bias(out, bias, relu)
    np.testing.assert_array_equal(out, expected, strict=True)
    assert np.signbit(out[0, 1]) == np.signbit(expected[0, 1])
    assert not fused.add_bias(out[:, ::2], bias[::2], relu)  # a strided output stays with NumPy
    assert not fused.add_bias(out, bias[:5], relu)


@needs_kernels
def test_dense_forward_is_bit_identical_with_and_without_the_kernels(monkeypatch):
    from engine.ops.nn import dense

    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(6, 11)), rng.normal(size=(11, 7)), rng.normal(size=7)
    for relu in (False, True):
        _same_with_and_without(monkeypatch, lambda x, w, b: dense(x, w, b, relu=relu), x, w, b, dtype="float32",
                               exact=True)  # fmt: skip


@needs_kernels
def test_a_column_gradient_over_the_limit_keeps_the_per_position_path(monkeypatch):
    rng = np.random.default_rng(6)
    x, w = rng.normal(size=(2, 7, 7, 3)), rng.normal(size=(3, 3, 3, 4))
    gathered = _value_and_grads(monkeypatch, True, lambda x, w: conv2d(x, w, padding="same"), x, w)[1][0]
    monkeypatch.setitem(fused.GATHER_LIMIT_BYTES, "cpu", 0)
    calls = []
    monkeypatch.setattr(fused, "col2im", lambda *a: calls.append(a))
    per_position = _value_and_grads(monkeypatch, True, lambda x, w: conv2d(x, w, padding="same"), x, w)[1][0]
    assert calls == []
    np.testing.assert_allclose(gathered, per_position, rtol=1e-12, atol=1e-12)


def test_strata_cpu_kernels_0_turns_them_off():
    import subprocess
    import sys

    code = "from engine.backend import fused; print(fused.cpu_kernels_available())"
    env = {**os.environ, "STRATA_CPU_KERNELS": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_cpu_device_says_whether_the_kernels_are_in_use(monkeypatch):
    from engine.backend import devices

    if _KERNELS is not None:
        assert devices.cpu_kernels_missing_reason() == ""
        assert devices.list_devices()[0].description.endswith("fused CPU kernels")
    monkeypatch.setattr(fused, "_cpu_kernels", None)
    monkeypatch.delenv("STRATA_CPU_KERNELS", raising=False)
    assert "reinstall with a C compiler" in devices.list_devices()[0].description
    monkeypatch.setenv("STRATA_CPU_KERNELS", "0")
    assert devices.list_devices()[0].description.endswith("NumPy only (STRATA_CPU_KERNELS=0)")
