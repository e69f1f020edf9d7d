"""Optimizer state in Keras 3's order and names: variables(), build(), set_variable_values()."""

from __future__ import annotations

import numpy as np
import pytest

from engine import optimizers
from engine.autograd import Variable
from engine.errors import ShapeError
from engine.optimizers import schedules
from tests.engine.host import assert_array_equal, host


def _model_vars():
    kernel = Variable(np.ones((3, 2), np.float32), name="kernel")
    kernel.path = "model/dense/kernel"
    bias = Variable(np.zeros(2, np.float32), name="bias")
    bias.path = "model/dense/bias"
    return kernel, bias


ADAM_SLOTS = [("kernel", "momentum"), ("kernel", "velocity"), ("bias", "momentum"), ("bias", "velocity")]


def _grads(kernel, bias, scale=1.0):
    return [(np.full((3, 2), 0.1 * scale, np.float32), kernel), (np.full(2, -0.2 * scale, np.float32), bias)]


@pytest.mark.parametrize(
    ("opt", "slots"),
    [
        (optimizers.Adam(), ADAM_SLOTS),
        (optimizers.AdamW(), ADAM_SLOTS),
        (optimizers.Adam(amsgrad=True), [*ADAM_SLOTS, ("kernel", "velocity_hat"), ("bias", "velocity_hat")]),
        (optimizers.RMSprop(), [("kernel", "velocity"), ("bias", "velocity")]),
        (optimizers.SGD(), []),
        (optimizers.SGD(momentum=0.9), [("kernel", "momentum"), ("bias", "momentum")]),
        (optimizers.Adagrad(), [("kernel", "accumulator"), ("bias", "accumulator")]),
        (
            optimizers.Adadelta(),
            [("kernel", "accumulated_grad"), ("kernel", "accumulated_delta_var"),
             ("bias", "accumulated_grad"), ("bias", "accumulated_delta_var")],
        ),
        (optimizers.Adamax(), [("kernel", "momentum"), ("kernel", "norm"), ("bias", "momentum"), ("bias", "norm")]),
    ],
    ids=lambda v: getattr(v, "name", "")
)  # fmt: skip
def test_variables_order_and_names(opt, slots):
    kernel, bias = _model_vars()
    opt.apply_gradients(_grads(kernel, bias))
    state = opt.variables()
    names = [name for name, _ in state]
    expected = ["iteration", "learning_rate"] + [f"model_dense_{var}_{slot}" for var, slot in slots]
    assert names == expected
    assert state[0][1].dtype == np.int32 and int(state[0][1]) == 1
    assert state[1][1].dtype == np.float32 and state[1][1].shape == ()
    for name, array in state[2:]:
        assert array.shape == (kernel.shape if "kernel" in name else bias.shape)


def test_nadam_state_ends_with_u_product():
    kernel, bias = _model_vars()
    opt = optimizers.Nadam()
    opt.build([kernel, bias])
    names = [name for name, _ in opt.variables()]
    assert names[-1] == "u_product" and len(names) == 2 + 4 + 1


def test_slots_follow_first_seen_order_including_none_gradients():
    kernel, bias = _model_vars()
    opt = optimizers.SGD(momentum=0.5)
    opt.apply_gradients([(None, kernel), (np.ones(2, np.float32), bias)])
    names = [name for name, _ in opt.variables()]
    assert names[2:] == ["model_dense_kernel_momentum", "model_dense_bias_momentum"]


def test_adagrad_accumulator_starts_at_initial_value():
    kernel, bias = _model_vars()
    opt = optimizers.Adagrad(initial_accumulator_value=0.25)
    opt.build([kernel, bias])
    assert_array_equal(dict(opt.variables())["model_dense_kernel_accumulator"], 0.25)


def test_schedule_optimizer_has_no_learning_rate_variable():
    kernel, bias = _model_vars()
    opt = optimizers.Adam(learning_rate=schedules.InverseTimeDecay(0.1, 1, 0.5))
    opt.build([kernel, bias])
    names = [name for name, _ in opt.variables()]
    assert names[:2] == ["iteration", "model_dense_kernel_momentum"]


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam"])
def test_state_round_trip_continues_training_identically(name):
    """Save state after 3 steps, load it into a fresh optimizer built up front, and continue both."""
    kernel, bias = _model_vars()
    opt = optimizers.get({"class_name": name, "config": {"learning_rate": 0.05}})
    if name == "sgd":
        opt = optimizers.SGD(learning_rate=0.05, momentum=0.9)
    for step in range(3):
        opt.apply_gradients(_grads(kernel, bias, scale=step + 1))
    saved = [host(array).copy() for _, array in opt.variables()]

    kernel2, bias2 = _model_vars()
    kernel2.data[...] = kernel.data
    bias2.data[...] = bias.data
    fresh = optimizers.deserialize(optimizers.serialize(opt))
    fresh.build([kernel2, bias2])
    fresh.set_variable_values(saved)
    assert fresh.iterations == 3
    for got, want in zip(fresh.variables(), saved, strict=True):
        assert_array_equal(got[1], want)

    opt.apply_gradients(_grads(kernel, bias, scale=-2))
    fresh.apply_gradients(_grads(kernel2, bias2, scale=-2))
    assert_array_equal(kernel2.data, kernel.data)
    assert_array_equal(bias2.data, bias.data)


def test_set_variable_values_restores_learning_rate():
    kernel, bias = _model_vars()
    opt = optimizers.Adam(learning_rate=0.01)
    opt.build([kernel, bias])
    values = [array for _, array in opt.variables()]
    values[0] = np.array(7, np.int32)
    values[1] = np.array(0.5, np.float32)
    opt.set_variable_values(values)
    assert opt.iterations == 7 and opt.learning_rate == 0.5


def test_set_variable_values_errors():
    kernel, bias = _model_vars()
    opt = optimizers.Adam()
    with pytest.raises(ShapeError, match="call build"):
        opt.set_variable_values([np.array(0), np.array(0.1), np.zeros((3, 2))])
    opt.build([kernel, bias])
    values = [array for _, array in opt.variables()]
    values[2] = np.zeros((2, 3), np.float32)
    with pytest.raises(ShapeError, match="model_dense_kernel_momentum"):
        opt.set_variable_values(values)
    with pytest.raises(ShapeError, match="6 state variables"):
        opt.set_variable_values(values[:-1])
