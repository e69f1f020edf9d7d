"""Each optimizer's steps against a float64 NumPy transcription of Keras 3's formula (reference.py)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import optimizers
from engine.autograd import Variable
from tests.engine.host import assert_allclose, assert_array_equal
from tests.engine.optimizers import reference as ref


def _grads(n_steps=5, shape=(3, 4), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(n_steps)]


def _run(opt, w0, grads, dtype):
    var = Variable(w0.astype(dtype), name="w")
    buffer = var.data
    for g in grads:
        opt.apply_gradients([(g.astype(dtype), var)])
    assert var.data is buffer  # updated in place, never rebound
    assert var.data.dtype == np.dtype(dtype)
    return var.data


CASES = [
    ("sgd", {"learning_rate": 0.1}, ref.sgd),
    ("sgd_momentum", {"learning_rate": 0.05, "momentum": 0.9}, ref.sgd),
    ("sgd_nesterov", {"learning_rate": 0.02, "momentum": 0.9, "nesterov": True}, ref.sgd),
    ("rmsprop", {"learning_rate": 0.005}, ref.rmsprop),
    ("rmsprop_momentum", {"learning_rate": 0.01, "momentum": 0.5, "rho": 0.8}, ref.rmsprop),
    ("rmsprop_centered", {"learning_rate": 0.01, "centered": True}, ref.rmsprop),
    ("adam", {"learning_rate": 0.01}, ref.adam),
    ("adam_amsgrad", {"learning_rate": 0.01, "amsgrad": True, "beta_2": 0.9}, ref.adam),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.004}, ref.adam),
    ("adagrad", {"learning_rate": 0.1}, ref.adagrad),
    ("adadelta", {"learning_rate": 1.0}, ref.adadelta),
    ("adamax", {"learning_rate": 0.02}, ref.adamax),
]
CLASSES = {
    "sgd": optimizers.SGD,
    "rmsprop": optimizers.RMSprop,
    "adam": optimizers.Adam,
    "adamw": optimizers.AdamW,
    "adagrad": optimizers.Adagrad,
    "adadelta": optimizers.Adadelta,
    "adamax": optimizers.Adamax,
}


def _reference_kwargs(kwargs):
    out = dict(kwargs)
    out["lr"] = ref.f32(out.pop("learning_rate"))
    if "weight_decay" in out:
        out["weight_decay"] = ref.f32(out["weight_decay"])
    return out


@pytest.mark.parametrize(("case", "kwargs", "oracle"), CASES, ids=[c[0] for c in CASES])
def test_float64_matches_reference(case, kwargs, oracle):
    cls = CLASSES[case.split("_")[0]]
    w0 = np.random.default_rng(1).normal(size=(3, 4))
    grads = _grads()
    got = _run(cls(**kwargs), w0, grads, "float64")
    want = oracle(w0, grads, **_reference_kwargs(kwargs))
    assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("case", "kwargs", "oracle"), CASES, ids=[c[0] for c in CASES])
def test_float32_stays_close_to_reference(case, kwargs, oracle):
    cls = CLASSES[case.split("_")[0]]
    w0 = np.random.default_rng(1).normal(size=(3, 4))
    grads = _grads()
    got = _run(cls(**kwargs), w0, grads, "float32")
    want = oracle(w0.astype(np.float32).astype(np.float64), [g.astype(np.float32) for g in grads],
                  **_reference_kwargs(kwargs))  # fmt: skip
    assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def test_nadam_matches_reference_and_keeps_u_product():
    w0 = np.random.default_rng(1).normal(size=(3, 4))
    grads = _grads()
    opt = optimizers.Nadam(learning_rate=0.01)
    got = _run(opt, w0, grads, "float64")
    want, u_product = ref.nadam(w0, grads, lr=ref.f32(0.01))
    # u_product is a float32 variable in Keras, so it is rounded at each step
    assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    names = [name for name, _ in opt.variables()]
    assert names[-1] == "u_product"
    assert_allclose(float(opt.variables()[-1][1]), u_product, rtol=1e-6)


def test_multiple_variables_and_none_gradients():
    a, b = Variable(np.ones((2, 2), np.float32), name="a"), Variable(np.ones(3, np.float32), name="b")
    opt = optimizers.SGD(learning_rate=0.5)
    opt.apply_gradients([(np.ones((2, 2), np.float32), a), (None, b)])
    assert_allclose(a.data, 0.5)
    assert_allclose(b.data, 1.0)
    assert opt.iterations == 1
    opt.apply_gradients([(None, a), (np.ones(3, np.float32), b)])
    assert_allclose(b.data, 0.5)
    assert opt.iterations == 2


def test_all_none_gradients_only_count_the_step():
    a = Variable(np.ones(2, np.float32), name="a")
    opt = optimizers.Adam()
    assert opt.apply_gradients([]) == 0
    assert opt.apply_gradients([(None, a)]) == 1
    assert_array_equal(a.data, 1.0)


def test_gradient_shape_mismatch_is_a_shape_error():
    from engine.errors import ShapeError

    a = Variable(np.ones((2, 2), np.float32), name="a")
    with pytest.raises(ShapeError, match="does not match variable"):
        optimizers.SGD().apply_gradients([(np.ones(3, np.float32), a)])


def test_tensor_and_float64_gradients_are_accepted():
    from engine.autograd import Tensor

    a = Variable(np.ones(2, np.float32), name="a")
    optimizers.SGD(learning_rate=0.5).apply_gradients([(Tensor(np.ones(2)), a)])
    assert a.data.dtype == np.float32
    assert_allclose(a.data, 0.5)
