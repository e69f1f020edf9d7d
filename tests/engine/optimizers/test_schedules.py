"""Learning-rate schedule values at chosen steps, and their configs."""

from __future__ import annotations

import math

import pytest

from engine.errors import ConfigError
from engine.optimizers import schedules


def test_exponential_decay():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == pytest.approx(0.1)
    assert s(10) == pytest.approx(0.05)
    assert s(5) == pytest.approx(0.1 * 0.5**0.5)
    stair = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert stair(9) == pytest.approx(0.1) and stair(10) == pytest.approx(0.05) and stair(25) == pytest.approx(0.025)


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    assert [s(0), s(100), s(101), s(110), s(111)] == [1.0, 1.0, 0.5, 0.5, 0.1]
    with pytest.raises(ConfigError, match="1 less"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


def test_inverse_time_decay():
    s = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5)
    assert s(0) == pytest.approx(0.1)
    assert s(3) == pytest.approx(0.1 / (1 + 0.5 * 1.5))
    stair = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5, staircase=True)
    assert stair(3) == pytest.approx(0.1 / 1.5)


def test_polynomial_decay():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.09 * 0.25 + 0.01)
    assert s(10) == pytest.approx(0.01) and s(50) == pytest.approx(0.01)
    cyc = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0, cycle=True)
    assert cyc(0) == pytest.approx(0.1)
    assert cyc(15) == pytest.approx(0.1 * (1 - 15 / 20))


def test_cosine_decay_without_and_with_warmup():
    s = schedules.CosineDecay(0.1, decay_steps=10, alpha=0.1)
    assert s(0) == pytest.approx(0.1)
    assert s(5) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1))
    assert s(10) == pytest.approx(0.01) and s(20) == pytest.approx(0.01)
    w = schedules.CosineDecay(0.0, decay_steps=10, warmup_target=0.2, warmup_steps=4)
    assert w(0) == pytest.approx(0.0)
    assert w(2) == pytest.approx(0.1)
    assert w(4) == pytest.approx(0.2)
    assert w(9) == pytest.approx(0.2 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert w(100) == pytest.approx(0.0, abs=1e-12)


def test_cosine_decay_restarts():
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    assert s(0) == pytest.approx(1.0)
    assert s(5) == pytest.approx(0.5)
    assert s(10) == pytest.approx(0.5)  # restart: second period of 20 steps at half the peak
    assert s(20) == pytest.approx(0.5 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    flat = schedules.CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=1.0)
    assert flat(4) == pytest.approx(1.0) and flat(6) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "schedule",
    [
        schedules.ExponentialDecay(0.1, 10, 0.9, staircase=True),
        schedules.PiecewiseConstantDecay([5], [0.1, 0.01]),
        schedules.InverseTimeDecay(0.1, 10, 0.5),
        schedules.PolynomialDecay(0.1, 10, 0.001, power=0.5, cycle=True),
        schedules.CosineDecay(0.1, 10, alpha=0.0, warmup_target=0.5, warmup_steps=3),
        schedules.CosineDecayRestarts(0.1, 10),
    ],
    ids=lambda s: type(s).__name__,
)
def test_serialize_round_trip(schedule):
    data = schedules.serialize(schedule)
    assert data["module"] == "keras.optimizers.schedules"
    assert data["class_name"] == type(schedule).__name__
    again = schedules.deserialize(data)
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    assert [again(s) for s in range(0, 30, 7)] == [schedule(s) for s in range(0, 30, 7)]


def test_keras2_style_schedule_dict_and_errors():
    s = schedules.deserialize({"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1,
                               "decay_steps": 100, "decay_rate": 0.96, "staircase": False, "name": None}})  # fmt: skip
    assert s(100) == pytest.approx(0.096)
    with pytest.raises(ConfigError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ConfigError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ConfigError, match="Cannot build"):
        schedules.deserialize({"class_name": "ExponentialDecay", "config": {"bogus": 1}})
