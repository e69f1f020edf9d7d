"""LearningRateScheduler: both schedule signatures, logging and bad outputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.callbacks import LearningRateScheduler
from engine.errors import ConfigError
from tests.engine.callbacks.fake_model import FakeModel, fit


def test_schedule_with_epoch_and_lr():
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * math.exp(-0.1)

    model, cbks = fit([LearningRateScheduler(schedule)], [{"loss": 1.0}] * 4, model=FakeModel(0.01))
    expected = [0.01, 0.01, 0.01 * math.exp(-0.1), 0.01 * math.exp(-0.2)]
    np.testing.assert_allclose(cbks.history.history["learning_rate"], expected)
    assert model.optimizer.learning_rate == pytest.approx(expected[-1])


def test_schedule_with_epoch_only():
    _, cbks = fit([LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))], [{"loss": 1.0}] * 3)
    np.testing.assert_allclose(cbks.history.history["learning_rate"], [0.1, 0.05, 0.1 / 3])


def test_numpy_float_is_accepted_and_stored_as_float():
    model, _ = fit([LearningRateScheduler(lambda epoch, lr: np.float32(0.5))], [{"loss": 1.0}])
    assert type(model.optimizer.learning_rate) is float


def test_non_number_output_is_an_error():
    with pytest.raises(ConfigError, match="should be a float"):
        fit([LearningRateScheduler(lambda epoch, lr: "fast")], [{"loss": 1.0}])


def test_type_errors_inside_the_schedule_are_not_swallowed():
    def schedule(epoch, lr):
        raise TypeError("bug in schedule")

    with pytest.raises(TypeError, match="bug in schedule"):
        fit([LearningRateScheduler(schedule)], [{"loss": 1.0}])


def test_verbose_message(capsys):
    fit([LearningRateScheduler(lambda epoch: 0.25, verbose=1)], [{"loss": 1.0}])
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.25." in capsys.readouterr().out


def test_schedule_must_be_callable():
    with pytest.raises(ConfigError, match="callable"):
        LearningRateScheduler(0.1)
