"""LambdaCallback: functions run at their hooks, positional arguments whatever their names."""

from __future__ import annotations

import pytest

from engine.callbacks import CallbackList, LambdaCallback
from engine.errors import ConfigError
from tests.engine.callbacks.fake_model import FakeModel, fit


def test_named_hooks_run_with_their_arguments():
    calls = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin",)),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_batch_end=lambda b, l: calls.append(("batch_end", b, l["loss"])),
        on_epoch_end=lambda e, l: calls.append(("epoch_end", e, l["loss"])),
        on_train_end=lambda logs: calls.append(("train_end",)),
    )
    fit([callback], [{"loss": 2.0}], steps=2)
    assert calls == [
        ("train_begin",), ("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0, 2.0),
        ("batch_begin", 1), ("batch_end", 1, 2.0), ("epoch_end", 0, 2.0), ("train_end",),
    ]  # fmt: skip


def test_other_hooks_by_keyword():
    calls = []
    callback = LambdaCallback(
        on_train_batch_end=lambda batch, logs: calls.append(("train_batch_end", batch)),
        on_test_begin=lambda logs: calls.append("test_begin"),
        on_test_batch_end=lambda batch, logs: calls.append(("test_batch_end", batch, logs["loss"])),
        on_predict_end=lambda logs: calls.append("predict_end"),
    )
    cbks = CallbackList([callback], model=FakeModel())
    cbks.on_train_batch_end(3, {"loss": 1.0})
    cbks.on_test_begin()
    cbks.on_test_batch_end(1, {"loss": 0.5})
    cbks.on_predict_end()
    assert calls == [("train_batch_end", 3), "test_begin", ("test_batch_end", 1, 0.5), "predict_end"]


def test_unset_hooks_stay_no_ops():
    callback = LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    fit([callback], [{"loss": 1.0}])  # no error from the other hooks


def test_direct_call_without_logs():
    seen = []
    LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append((epoch, logs))).on_epoch_end(4)
    assert seen == [(4, None)]


def test_unknown_hook_and_non_callable_are_rejected():
    with pytest.raises(ConfigError, match="unknown hook 'on_epoch_finish'"):
        LambdaCallback(on_epoch_finish=print)
    with pytest.raises(ConfigError, match="on_epoch_end to be callable"):
        LambdaCallback(on_epoch_end=3)
