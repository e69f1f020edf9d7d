"""EarlyStopping against Keras 3's semantics, with scripted logs."""

from __future__ import annotations

import numpy as np
import pytest

from engine.callbacks import EarlyStopping
from engine.errors import ConfigError
from tests.engine.callbacks.fake_model import FakeModel, fit


def _losses(values, key="val_loss"):
    return [{key: v} for v in values]


@pytest.mark.parametrize("patience", [0, 1, 2, 3])
def test_patience_counts_epochs_without_improvement(patience):
    # Keras's own case: the best is epoch 2; stop after `patience` worse epochs (never at epoch 0).
    losses = [10.0, 9.0, 8.0, 9.0, 8.9, 8.8, 8.7, 8.6, 8.5]
    stopper = EarlyStopping(monitor="loss", patience=patience)
    model, cbks = fit([stopper], _losses(losses, "loss"))
    assert stopper.stopped_epoch == max(patience, 1) + 2
    assert len(cbks.history.epoch) == stopper.stopped_epoch + 1
    assert stopper.best == 8.0
    assert model.stop_training


def test_no_stop_while_improving():
    stopper = EarlyStopping(patience=0)
    model, cbks = fit([stopper], _losses([5, 4, 3, 2, 1]))
    assert stopper.stopped_epoch == 0
    assert not model.stop_training
    assert cbks.history.epoch == [0, 1, 2, 3, 4]
    assert stopper.wait == 0


def test_min_delta_ignores_small_improvements():
    stopper = EarlyStopping(patience=1, min_delta=0.1)
    fit([stopper], _losses([1.0, 0.95, 0.92, 0.5]))
    # 0.95 and 0.92 are within 0.1 of the best (1.0): two non-improving epochs -> stop at epoch 1.
    assert stopper.stopped_epoch == 1
    assert stopper.best == 1.0


def test_negative_min_delta_is_taken_as_absolute():
    assert EarlyStopping(min_delta=-0.3).min_delta == 0.3


def test_max_mode_inferred_from_accuracy_name():
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    fit([stopper], _losses([0.5, 0.6, 0.55, 0.58, 0.9], "val_accuracy"))
    assert stopper.best == 0.6
    assert stopper.stopped_epoch == 2


@pytest.mark.parametrize(
    ("monitor", "mode", "expected"),
    [
        ("val_loss", "auto", "min"), ("loss", "auto", "min"), ("val_mse", "auto", "min"),
        ("acc", "auto", "max"), ("val_accuracy", "auto", "max"), ("val_auc", "auto", "max"),
        ("sparse_categorical_accuracy", "auto", "max"), ("f1_score", "auto", "max"),
        ("hinge", "auto", "min"), ("val_mse", "max", "max"), ("val_accuracy", "min", "min"),
    ],
)  # fmt: skip
def test_direction(monitor, mode, expected):
    stopper = EarlyStopping(monitor=monitor, mode=mode)
    fit([stopper], _losses([1.0], monitor))
    assert stopper._direction == expected
    assert stopper.best == 1.0


def test_metric_direction_from_model_metrics():
    class Metric:
        name = "my_score"
        _direction = "up"

    model = FakeModel()
    model.metrics = [Metric()]
    stopper = EarlyStopping(monitor="val_my_score", patience=0)
    fit([stopper], _losses([1.0, 2.0, 3.0], "val_my_score"), model=model)
    assert stopper._direction == "max"
    assert stopper.stopped_epoch == 0


def test_baseline_must_be_beaten_to_reset_wait():
    # Improvements that do not beat the baseline still count towards patience.
    losses = [0.9, 0.8, 0.85, 0.9, 0.95]
    stopper = EarlyStopping(patience=2, baseline=0.5)
    fit([stopper], _losses(losses))
    assert stopper.stopped_epoch == 2
    assert stopper.best == 0.8
    without = EarlyStopping(patience=2)
    fit([without], _losses(losses))
    assert without.stopped_epoch == 3


def test_baseline_beaten_behaves_like_no_baseline():
    stopper = EarlyStopping(patience=1, baseline=0.5)
    fit([stopper], _losses([0.4, 0.3, 0.35, 0.36]))
    assert stopper.stopped_epoch == 2


def test_restore_best_weights_after_patience_stop():
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    model, _ = fit([stopper], _losses([0.2, 0.15, 0.1, 0.11, 0.12]))
    assert stopper.stopped_epoch == 4
    assert stopper.best_epoch == 2
    np.testing.assert_array_equal(model.weights[0], np.full((2, 3), 2.0))


def test_restore_best_weights_when_no_epoch_beats_baseline():
    # Keras's case: patience 5, baseline never beaten -> 5 epochs, the best of them restored.
    stopper = EarlyStopping(patience=5, baseline=0.5, restore_best_weights=True)
    model, cbks = fit([stopper], _losses([0.9, 0.8, 0.7, 0.71, 0.72, 0.73]))
    assert len(cbks.history.epoch) == 5
    np.testing.assert_array_equal(model.weights[1], np.full((3,), 2.0))


def test_restore_best_weights_also_when_training_completes():
    stopper = EarlyStopping(patience=10, restore_best_weights=True)
    model, _ = fit([stopper], _losses([0.5, 0.2, 0.3]))
    assert stopper.stopped_epoch == 0
    np.testing.assert_array_equal(model.weights[0], np.full((2, 3), 1.0))


def test_no_restore_by_default():
    model, _ = fit([EarlyStopping(patience=1)], _losses([0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(model.weights[0], np.full((2, 3), 1.0))


def test_start_from_epoch_skips_warm_up():
    stopper = EarlyStopping(patience=0, start_from_epoch=3)
    _, cbks = fit([stopper], _losses([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    # Epochs 0-2 are not monitored; epoch 3 is the first best, epoch 4 fails to improve.
    assert stopper.stopped_epoch == 4
    assert stopper.best == 4.0
    assert len(cbks.history.epoch) == 5


def test_missing_monitor_warns_with_available_keys():
    stopper = EarlyStopping(monitor="val_acc")
    with pytest.warns(UserWarning, match=r"`val_acc` which is not available.*loss,learning_rate"):
        model, _ = fit([stopper], [{"loss": 1.0}])
    assert not model.stop_training


def test_instance_is_reusable_across_fits():
    stopper = EarlyStopping(monitor="loss", patience=1)
    fit([stopper], _losses([0.1, 0.2, 0.3], "loss"))
    assert stopper.stopped_epoch == 1
    _, cbks = fit([stopper], _losses([5.0, 4.0, 3.0], "loss"))
    assert stopper.stopped_epoch == 0
    assert stopper.best == 3.0
    assert len(cbks.history.epoch) == 3


def test_verbose_messages(capsys):
    stopper = EarlyStopping(patience=0, verbose=1, restore_best_weights=True)
    fit([stopper], _losses([0.1, 0.2]))
    out = capsys.readouterr().out
    assert "Epoch 2: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 1." in out


@pytest.mark.parametrize("kwargs", [{"mode": "bigger"}, {"patience": -1}, {"start_from_epoch": -2}])
def test_invalid_arguments(kwargs):
    with pytest.raises(ConfigError, match="EarlyStopping"):
        EarlyStopping(**kwargs)
