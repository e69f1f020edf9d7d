"""TerminateOnNaN: stops at the first NaN or infinite batch loss and says where."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.callbacks import TerminateOnNaN
from tests.engine.callbacks.fake_model import fit


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, np.float32("nan")])
def test_stops_at_the_invalid_batch(bad, capsys):
    callback = TerminateOnNaN()

    def batch_logs(epoch, batch):
        return {"loss": bad if (epoch, batch) == (1, 3) else 0.5}

    model, cbks = fit([callback], [{"loss": 0.5}] * 4, steps=5, batch_logs=batch_logs)
    assert model.stop_training
    assert callback.stopped_at == (1, 3)
    assert cbks.history.epoch == [0, 1]
    assert "Batch 3: Invalid loss, terminating training" in capsys.readouterr().out


def test_finite_losses_run_to_the_end():
    callback = TerminateOnNaN()
    model, cbks = fit([callback], [{"loss": 0.5}] * 3, steps=3)
    assert not model.stop_training
    assert callback.stopped_at is None
    assert len(cbks.history.epoch) == 3


def test_missing_loss_is_ignored():
    callback = TerminateOnNaN()
    model, _ = fit([callback], [{"loss": 0.5}], batch_logs=lambda e, b: {"acc": math.nan})
    assert not model.stop_training


def test_raise_error():
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        fit([TerminateOnNaN(raise_error=True)], [{"loss": 0.5}], batch_logs=lambda e, b: {"loss": math.nan})
