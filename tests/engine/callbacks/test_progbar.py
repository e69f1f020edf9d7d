"""ProgbarLogger: what reaches stdout for each verbosity."""

from __future__ import annotations

import re

from engine.callbacks import CallbackList, ProgbarLogger
from tests.engine.callbacks.fake_model import FakeModel, fit

LOGS = [{"loss": 0.5, "val_loss": 0.25}, {"loss": 0.125, "val_loss": 0.0001}]


def _batch_logs(epoch, batch):
    return {"loss": 1.0 / (batch + 1), "accuracy": 0.1 * batch}


def test_verbose_2_prints_one_line_per_epoch(capsys):
    fit([], LOGS, steps=4, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert re.fullmatch(
        r"4/4 - \d+s - \d+(us|ms|s)/step - loss: 0\.5000 - val_loss: 0\.2500 - learning_rate: 0\.0100", lines[1]
    )
    assert lines[2] == "Epoch 2/2"
    assert "val_loss: 1.0000e-04" in lines[3]
    assert len(lines) == 4


def test_verbose_1_without_terminal_prints_the_final_bar_only(capsys):
    fit([], LOGS[:1], steps=3, verbose=1, batch_logs=_batch_logs)
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert len(lines) == 1  # one epoch: no "Epoch 1/1" header
    assert re.match(r"3/3 \[=+\] - \d+s \d+(us|ms|s)/step - loss: 0\.5000", lines[0])
    assert "val_loss: 0.2500" in lines[0]


def test_verbose_1_redraws_in_place_on_a_terminal(capsys):
    progbar = ProgbarLogger(interval=0.0, dynamic_display=True)
    fit([progbar], LOGS[:1], steps=3, verbose=1, batch_logs=_batch_logs)
    out = capsys.readouterr().out
    frames = out.split("\r")[1:]
    assert len(frames) == 4  # three batch updates and the final one
    assert frames[0].startswith("1/3 [=========>") and "ETA:" in frames[0]
    assert "loss: 1.0000" in frames[0] and "accuracy: 0.0000e+00" in frames[0]
    assert "loss: 0.3333 - accuracy: 0.2000" in frames[2]
    assert frames[3].startswith("3/3 [" + "=" * 30 + "]") and "ETA" not in frames[3]
    assert frames[3].endswith("\n")


def test_throttling_skips_fast_updates(capsys):
    progbar = ProgbarLogger(interval=3600.0, dynamic_display=True)
    fit([progbar], LOGS[:1], steps=50, verbose=1, batch_logs=_batch_logs)
    frames = capsys.readouterr().out.split("\r")[1:]
    assert len(frames) == 2  # the first update and the final one


def test_verbose_0_prints_nothing(capsys):
    fit([ProgbarLogger()], LOGS, steps=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_validation_inside_fit_is_silent_but_evaluate_is_not(capsys):
    model = FakeModel()
    cbks = CallbackList([], add_progbar=True, model=model, epochs=1, steps=2, verbose=2)
    cbks.on_train_begin()
    cbks.on_epoch_begin(0)
    cbks.on_train_batch_end(0, {"loss": 1.0})
    cbks.on_test_begin()
    cbks.on_test_batch_end(0, {"loss": 9.0})
    cbks.on_test_end({"loss": 9.0})
    cbks.on_epoch_end(0, {"loss": 1.0, "val_loss": 9.0})
    cbks.on_train_end()
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("2/2 - ")

    evaluate = CallbackList([], add_history=False, add_progbar=True, model=model, epochs=1, steps=3, verbose=2)
    evaluate.on_test_begin()
    for step in range(3):
        evaluate.on_test_batch_end(step, {"loss": 0.5})
    evaluate.on_test_end({"loss": 0.5})
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step - loss: 0\.5000\n", capsys.readouterr().out)


def test_unknown_number_of_steps(capsys):
    cbks = CallbackList([], add_progbar=True, model=FakeModel(), epochs=1, steps=None, verbose=2)
    cbks.on_train_begin()
    cbks.on_epoch_begin(0)
    for step in range(5):
        cbks.on_train_batch_end(step, {"loss": 1.0})
    cbks.on_epoch_end(0, {"loss": 1.0})
    assert capsys.readouterr().out.startswith("5/5 - ")
