"""ReduceLROnPlateau: patience, min_delta, cooldown and min_lr, with scripted logs."""

from __future__ import annotations

import numpy as np
import pytest

from engine.callbacks import ReduceLROnPlateau
from engine.errors import ConfigError
from tests.engine.callbacks.fake_model import FakeModel, fit


def _run(callback, values, key="val_loss", learning_rate=1.0):
    model = FakeModel(learning_rate=learning_rate)
    _, cbks = fit([callback], [{key: v} for v in values], model=model)
    return model, cbks.history.history["learning_rate"]


def test_reduces_after_patience_epochs_without_improvement():
    model, rates = _run(ReduceLROnPlateau(factor=0.5, patience=2), [1.0, 1.0, 1.0, 1.0, 1.0])
    # Epoch 0 sets the best; epochs 1-2 do not improve -> reduce at the end of epoch 2, again after 4.
    # The logged rate is the one the epoch ran with, as in Keras.
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5]
    assert model.optimizer.learning_rate == 0.25


def test_improvement_resets_wait():
    model, rates = _run(ReduceLROnPlateau(factor=0.5, patience=2), [1.0, 1.0, 0.5, 0.5, 0.5])
    assert rates == [1.0] * 5
    assert model.optimizer.learning_rate == 0.5


def test_min_delta_defines_improvement():
    _, rates = _run(ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.1), [1.0, 0.95, 0.8, 0.75])
    # 0.95 is not better than 1.0 - 0.1: reduced after epoch 1; 0.8 is better; 0.75 is not.
    assert rates == [1.0, 1.0, 0.5, 0.5]


def test_cooldown_pauses_counting():
    _, rates = _run(ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2), [1.0] * 7)
    # Keras counts the cooldown down before judging the epoch: after the reduction at the end of
    # epoch 1, epoch 2 is skipped and epoch 3 counts again (patience 1 -> reduce).
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    _, no_cooldown = _run(ReduceLROnPlateau(factor=0.5, patience=1), [1.0] * 4)
    assert no_cooldown == [1.0, 1.0, 0.5, 0.25]


def test_min_lr_bounds_the_rate():
    model, rates = _run(ReduceLROnPlateau(factor=0.1, patience=0, min_lr=0.05), [1.0] * 5)
    assert rates[-1] == 0.05
    assert model.optimizer.learning_rate == 0.05
    np.testing.assert_allclose(rates, [1.0, 1.0, 0.1, 0.05, 0.05])


def test_float32_rate_at_min_lr_is_not_reduced_again(capsys):
    model = FakeModel(learning_rate=float(np.float32(0.001)))
    callback = ReduceLROnPlateau(factor=0.5, patience=0, min_lr=0.001, verbose=1)
    fit([callback], [{"val_loss": 1.0}] * 3, model=model)
    assert "reducing" not in capsys.readouterr().out


def test_max_mode_for_accuracy():
    callback = ReduceLROnPlateau(monitor="val_acc", factor=0.5, patience=1)
    model, rates = _run(callback, [0.1, 0.2, 0.3, 0.3], "val_acc")
    assert rates == [1.0] * 4
    assert model.optimizer.learning_rate == 0.5


def test_writes_learning_rate_into_logs_and_warns_when_monitor_missing():
    with pytest.warns(UserWarning, match=r"`val_loss` which is not available.*loss"):
        _, cbks = fit([ReduceLROnPlateau()], [{"loss": 1.0}])
    assert cbks.history.history["learning_rate"] == [0.01]


def test_verbose_message(capsys):
    _run(ReduceLROnPlateau(factor=0.5, patience=0, verbose=1), [1.0, 1.0])
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.5." in capsys.readouterr().out


def test_state_resets_on_train_begin():
    callback = ReduceLROnPlateau(factor=0.5, patience=1)
    _run(callback, [0.1, 0.2])
    _, rates = _run(callback, [5.0, 4.0, 3.0])
    assert rates == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("kwargs", [{"factor": 1.0}, {"factor": 2}, {"mode": "down"}, {"patience": -1}, {"epsilon": 1}])
def test_invalid_arguments(kwargs):
    with pytest.raises(ConfigError, match="ReduceLROnPlateau"):
        ReduceLROnPlateau(**kwargs)
