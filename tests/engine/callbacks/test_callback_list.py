"""CallbackList dispatch, History and the Callback base hooks."""

from __future__ import annotations

import numpy as np
import pytest

from engine.callbacks import Callback, CallbackList, History, ProgbarLogger
from engine.errors import ConfigError
from tests.engine.callbacks.fake_model import FakeModel, fit


class Recorder(Callback):
    """Records every hook call as (name, args, logs)."""

    def __init__(self, tag: str = "", journal: list | None = None) -> None:
        super().__init__()
        self.tag = tag
        self.calls: list = [] if journal is None else journal

    def __getattribute__(self, name: str):
        if name.startswith("on_") and name not in ("on_batch_begin", "on_batch_end"):

            def hook(*args, **kwargs):
                object.__getattribute__(self, "calls").append((object.__getattribute__(self, "tag"), name, args))

            return hook
        return object.__getattribute__(self, name)


def test_every_hook_reaches_every_callback_in_order():
    journal: list = []
    first, second = Recorder("a", journal), Recorder("b", journal)
    cbks = CallbackList([first, second], add_history=False, model=FakeModel(), epochs=1, steps=1, verbose=0)
    hooks = [
        ("on_train_begin", ()), ("on_epoch_begin", (0,)), ("on_train_batch_begin", (0,)),
        ("on_train_batch_end", (0,)), ("on_test_begin", ()), ("on_test_batch_begin", (0,)),
        ("on_test_batch_end", (0,)), ("on_test_end", ()), ("on_epoch_end", (0,)), ("on_train_end", ()),
        ("on_predict_begin", ()), ("on_predict_batch_begin", (0,)), ("on_predict_batch_end", (0,)),
        ("on_predict_end", ()),
    ]  # fmt: skip
    for name, args in hooks:
        getattr(cbks, name)(*args, {"loss": 1.0})
    names = [(tag, name) for tag, name, _ in journal]
    expected = [(tag, name) for name, _ in hooks for tag in ("a", "b")]
    assert names == expected


def test_params_and_model_are_given_to_callbacks():
    model = FakeModel()
    callback = Callback()
    cbks = CallbackList([callback], model=model, epochs=3, steps=7, verbose=0)
    assert callback.model is model
    assert callback.params == {"epochs": 3, "steps": 7, "verbose": 0}
    assert isinstance(cbks.history, History)
    assert model.history is cbks.history


def test_progbar_added_only_when_verbose():
    quiet = CallbackList([], add_progbar=False, model=FakeModel(), epochs=1, steps=1, verbose=0)
    loud = CallbackList([], add_progbar=True, model=FakeModel(), epochs=1, steps=1, verbose=1)
    assert not any(isinstance(c, ProgbarLogger) for c in quiet.callbacks)
    assert sum(isinstance(c, ProgbarLogger) for c in loud.callbacks) == 1


def test_existing_history_is_reused_not_duplicated():
    history = History()
    cbks = CallbackList([history], add_history=True, model=FakeModel(), epochs=1, steps=1, verbose=0)
    assert cbks.history is history
    assert sum(isinstance(c, History) for c in cbks.callbacks) == 1


def test_history_records_epoch_logs_per_key():
    model, cbks = fit([], [{"loss": 1.0, "val_loss": 2.0}, {"loss": 0.5, "val_loss": 1.5}])
    history = cbks.history
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.5], "learning_rate": [0.01, 0.01]}
    assert model.history is history


def test_history_sees_keys_added_by_earlier_callbacks():
    class AddKey(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = epoch * 10

    _, cbks = fit([AddKey()], [{"loss": 1.0}, {"loss": 2.0}])
    assert cbks.history.history["extra"] == [0, 10]


def test_batch_logs_become_python_floats():
    seen = []

    class Catch(Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs)

    cbks = CallbackList([Catch()], model=FakeModel(), epochs=1, steps=1, verbose=0)
    cbks.on_train_batch_end(0, {"loss": np.float32(0.25), "acc": np.array(0.5), "name": "x"})
    assert seen == [{"loss": 0.25, "acc": 0.5, "name": "x"}]
    assert type(seen[0]["loss"]) is float


def test_predict_batch_logs_keep_arrays():
    seen = []

    class Catch(Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append(logs)

    outputs = [np.ones((2, 3))]
    CallbackList([Catch()], model=FakeModel()).on_predict_batch_end(0, {"outputs": outputs})
    assert seen[0]["outputs"] is outputs


def test_train_batch_hooks_call_keras2_aliases():
    calls = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            calls.append(("end", batch, logs["loss"]))

    fit([Old()], [{"loss": 3.0}], steps=2)
    assert calls == [("begin", 0), ("end", 0, 3.0), ("begin", 1), ("end", 1, 3.0)]


def test_non_callback_is_rejected_with_its_index():
    with pytest.raises(ConfigError, match=r"callbacks\[1\].*int"):
        CallbackList([Callback(), 3])
