"""Shared optimizer behaviour: clipping, weight decay, constraints, learning rate, accumulation, EMA."""

from __future__ import annotations

import numpy as np
import pytest

from engine import constraints, optimizers
from engine.autograd import Variable
from engine.errors import ConfigError
from engine.optimizers import schedules
from tests.engine.host import assert_allclose, assert_array_equal, host


def _var(value, name="w"):
    return Variable(np.asarray(value, dtype=np.float64), name=name)


def test_clipnorm_clips_each_gradient_by_its_own_norm():
    a, b = _var([0.0, 0.0]), _var([0.0, 0.0])
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=1.0)
    ga, gb = np.array([3.0, 4.0]), np.array([0.3, 0.4])
    opt.apply_gradients([(ga, a), (gb, b)])
    assert_allclose(a.data, -ga / 5.0)
    assert_allclose(b.data, -gb)  # norm 0.5 < 1: unchanged
    assert_array_equal(ga, [3.0, 4.0])  # the caller's gradient is not modified


def test_global_clipnorm_scales_all_gradients_together():
    a, b = _var([0.0, 0.0]), _var([0.0])
    opt = optimizers.SGD(learning_rate=1.0, global_clipnorm=2.0)
    opt.apply_gradients([(np.array([3.0, 0.0]), a), (np.array([4.0]), b)])
    assert_allclose(a.data, [-3.0 * 2 / 5, 0.0])
    assert_allclose(b.data, [-4.0 * 2 / 5])


def test_global_clipnorm_leaves_small_and_zero_gradients():
    a = _var([0.0, 0.0])
    opt = optimizers.SGD(learning_rate=1.0, global_clipnorm=2.0)
    opt.apply_gradients([(np.array([0.0, 0.0]), a)])
    opt.apply_gradients([(np.array([0.3, 0.4]), a)])
    assert_allclose(a.data, [-0.3, -0.4])


def test_clipvalue_clips_elements():
    a = _var([0.0, 0.0, 0.0])
    optimizers.SGD(learning_rate=1.0, clipvalue=0.5).apply_gradients([(np.array([2.0, -3.0, 0.1]), a)])
    assert_allclose(a.data, [-0.5, 0.5, -0.1])


def test_only_one_clip_argument():
    with pytest.raises(ConfigError, match="only one of"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


def test_loss_scale_factor_unscales_gradients():
    a = _var([0.0])
    opt = optimizers.SGD(learning_rate=1.0, loss_scale_factor=4.0)
    assert opt.scale_loss(2.0) == 8.0
    opt.apply_gradients([(np.array([8.0]), a)])
    assert_allclose(a.data, [-2.0])


def test_weight_decay_is_decoupled_and_uses_current_lr():
    a = _var([2.0])
    opt = optimizers.SGD(learning_rate=0.5, weight_decay=0.1)
    opt.apply_gradients([(np.array([0.0]), a)])
    lr, wd = float(np.float32(0.5)), float(np.float32(0.1))
    assert_allclose(a.data, [2.0 - 2.0 * wd * lr])


def test_exclude_from_weight_decay_by_name_and_object():
    kernel, bias, other = _var([1.0], "kernel"), _var([1.0], "bias"), _var([1.0], "gamma")
    opt = optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = np.array([0.0])
    opt.apply_gradients([(zero, kernel), (zero, bias), (zero, other)])
    assert kernel.data[0] < 1.0
    assert bias.data[0] == 1.0
    assert other.data[0] == 1.0


def test_constraint_applied_after_update():
    a = Variable(np.array([[3.0], [4.0]]), name="w", constraint=constraints.MaxNorm(1.0))
    buffer = a.data
    optimizers.SGD(learning_rate=0.0).apply_gradients([(np.zeros((2, 1)), a)])
    assert a.data is buffer
    assert_allclose(np.linalg.norm(host(a.data)), 1.0, rtol=1e-6)
    b = Variable(np.array([1.0, -1.0]), name="b", constraint=constraints.NonNeg())
    optimizers.SGD(learning_rate=1.0).apply_gradients([(np.array([0.5, 0.5]), b)])
    assert_allclose(b.data, [0.5, 0.0])


def test_learning_rate_property_setter_and_alias():
    opt = optimizers.Adam(learning_rate=0.01)
    assert opt.learning_rate == float(np.float32(0.01))
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5
    opt.lr = 0.25
    assert opt.learning_rate == 0.25 and opt.lr == 0.25
    opt.learning_rate = np.float32(0.125)
    assert opt.get_config()["learning_rate"] == 0.125
    assert isinstance(opt.learning_rate, float)


def test_learning_rate_setter_refuses_numbers_over_a_schedule():
    opt = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(ConfigError, match="LearningRateSchedule"):
        opt.learning_rate = 0.1


def test_bad_learning_rate_and_unknown_argument():
    with pytest.raises(ConfigError, match="learning_rate"):
        optimizers.Adam(learning_rate="fast")
    with pytest.raises(ConfigError, match="not recognized"):
        optimizers.Adam(betta=0.9)
    with pytest.raises(ConfigError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ConfigError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_schedule_is_evaluated_at_iterations_before_the_update():
    schedule = schedules.PiecewiseConstantDecay([1], [1.0, 0.5])
    a = _var([0.0])
    opt = optimizers.SGD(learning_rate=schedule)
    assert opt.learning_rate == 1.0
    g = np.array([1.0])
    for _ in range(3):
        opt.apply_gradients([(g, a)])
    # steps 0 and 1 use 1.0 (step <= 1), step 2 uses 0.5
    assert_allclose(a.data, [-2.5])
    assert opt.learning_rate == 0.5


def test_callable_learning_rate():
    opt = optimizers.SGD(learning_rate=lambda: 0.25)
    assert opt.learning_rate == 0.25
    assert [name for name, _ in opt.variables()] == ["iteration"]


def test_gradient_accumulation_matches_a_single_mean_step():
    w0 = np.array([1.0, -2.0])
    g1, g2 = np.array([0.2, 0.4]), np.array([0.6, -0.2])
    a = _var(w0)
    opt = optimizers.Adam(learning_rate=0.1, gradient_accumulation_steps=2)
    opt.apply_gradients([(g1, a)])
    assert_array_equal(a.data, w0)
    opt.apply_gradients([(g2, a)])
    b = _var(w0)
    optimizers.Adam(learning_rate=0.1).apply_gradients([((g1 + g2) / 2, b)])
    assert_allclose(a.data, b.data)
    assert opt.iterations == 2
    accumulator = dict(opt.variables())["w_gradient_accumulator"]
    assert_array_equal(accumulator, 0.0)


def test_ema_tracks_and_finalizes_weights():
    a = _var([0.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    opt.apply_gradients([(np.array([-1.0]), a)])  # w=1, first step: average = w
    opt.apply_gradients([(np.array([-1.0]), a)])  # w=2, average = 0.5*1 + 0.5*2
    assert_allclose(a.data, [2.0])
    opt.finalize_variable_values([a])
    assert_allclose(a.data, [1.5])


def test_ema_overwrite_frequency():
    a = _var([0.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    opt.apply_gradients([(np.array([-1.0]), a)])
    opt.apply_gradients([(np.array([-1.0]), a)])
    assert_allclose(a.data, [1.5])
