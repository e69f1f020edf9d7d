"""Replay the real-Keras ``mlp_trace`` runs with hand-written NumPy gradients and our optimizers.

Independent of the model code: the network (Dense relu + L2 -> BatchNormalization -> Dense softmax,
categorical cross-entropy) is differentiated by hand here, so a mismatch in the final weights or the
optimizer state after the 12 recorded steps points at the optimizer.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine import optimizers
from engine.autograd import Variable
from tests.engine.host import assert_allclose, host

h5py = pytest.importorskip("h5py")

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NAMES = ["dense/kernel", "dense/bias", "batch_normalization/gamma", "batch_normalization/beta",
         "dense_1/kernel", "dense_1/bias"]  # fmt: skip
FILE_KEYS = [("dense", 0), ("dense", 1), ("batch_normalization", 0), ("batch_normalization", 1),
             ("dense_1", 0), ("dense_1", 1)]  # fmt: skip


def _weights(file):
    with h5py.File(file, "r") as handle:
        return [np.array(handle["layers"][layer]["vars"][str(i)]) for layer, i in FILE_KEYS]


def _optimizer_state(file):
    with h5py.File(file, "r") as handle:
        group = handle["optimizer"]["vars"]
        return [np.array(group[str(i)]) for i in range(len(group))]


def _gradients(params, x, t):
    """Loss gradients of the mlp_trace network on one batch (BatchNormalization in training mode)."""
    w1, b1, gamma, beta, w2, b2 = params
    n = x.shape[0]
    z1 = x @ w1 + b1
    a1 = np.maximum(z1, 0)
    mean = a1.mean(axis=0)
    inv_std = 1.0 / np.sqrt(a1.var(axis=0) + np.float32(1e-3))
    xhat = (a1 - mean) * inv_std
    y = xhat * gamma + beta
    z2 = y @ w2 + b2
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    dz2 = (p - t) / np.float32(n)
    dy = dz2 @ w2.T
    dxhat = dy * gamma
    da1 = inv_std / n * (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0))
    dz1 = da1 * (z1 > 0)
    return [
        x.T @ dz1 + np.float32(2e-3) * w1,
        dz1.sum(axis=0),
        (dy * xhat).sum(axis=0),
        dy.sum(axis=0),
        y.T @ dz2,
        dz2.sum(axis=0),
    ]


@pytest.mark.parametrize("version", ["keras", "keras2"])
@pytest.mark.parametrize("variant", ["sgd", "sgd_nesterov", "rmsprop", "adam"])
def test_mlp_trace_final_weights_and_state(version, variant):
    folder = FIXTURES / version
    if not (folder / "mlp_trace_fit.json").exists():
        pytest.skip("Keras fixtures not present")
    spec = json.loads((folder / "mlp_trace_fit.json").read_text())["variants"][variant]
    opt = optimizers.get({"class_name": spec["optimizer_class"], "config": spec["optimizer_config"]})
    variables = []
    for name, value in zip(NAMES, _weights(folder / "mlp_trace_init.weights.h5"), strict=True):
        var = Variable(value.astype(np.float32), name=name.split("/")[1])
        var.path = f"mlp_trace/{name}"
        variables.append(var)
    x_all = np.load(folder / "mlp_trace_train_x.npy")
    t_all = np.load(folder / "mlp_trace_train_y.npy")
    for _epoch in range(3):
        for start in range(0, 64, 16):
            grads = _gradients([host(v.data) for v in variables], x_all[start : start + 16], t_all[start : start + 16])
            opt.apply_gradients(zip(grads, variables, strict=True))

    final = folder / spec["final_weights"]
    for var, expected in zip(variables, _weights(final), strict=True):
        assert_allclose(var.data, expected, rtol=1e-4, atol=2e-5, err_msg=var.path)
    state = _optimizer_state(final)
    ours = [array for _, array in opt.variables()]
    assert int(state[0]) == opt.iterations == 12
    if version == "keras":
        assert [name for name, _ in opt.variables()][:2] == ["iteration", "learning_rate"]
        assert float(state[1]) == float(ours[1])
        slots_ref, slots_ours = state[2:], ours[2:]
    else:  # tf_keras keeps no learning rate variable, and its plain SGD still keeps `m` (= -lr * g) slots
        slots_ref, slots_ours = state[1:], ours[2:]
        if variant == "sgd":
            slots_ref = []
    assert len(slots_ref) == len(slots_ours)
    for got, want in zip(slots_ours, slots_ref, strict=True):
        assert_allclose(got, want, rtol=1e-4, atol=2e-5)
