"""Preflight checks: each pitfall is found with a reason and, where one exists, a working fix."""

from __future__ import annotations

import numpy as np
import pytest

from engine.layers import LSTM, BatchNormalization, Dense, Input
from engine.models import Model
from engine.training import preflight
from engine.training.session import TrainingSettings


def _classifier(loss: str = "sparse_categorical_crossentropy", units: int = 3, activation: str = "softmax") -> Model:
    inputs = Input((4,), name="features")
    x = Dense(8, activation="relu", name="hidden")(inputs)
    x = BatchNormalization(name="bn")(x)
    outputs = Dense(units, activation=activation, name="out")(x)
    model = Model(inputs, outputs, name="clf")
    model.compile("adam", loss)
    return model


def _codes(findings) -> list[str]:
    return [f.code for f in findings]


X = np.random.default_rng(0).normal(size=(100, 4)).astype("float32")
Y = np.arange(100) % 3


def test_clean_setup_has_no_findings():
    assert preflight.check(_classifier(), X, Y, TrainingSettings(validation_split=0.2)) == []


def test_sorted_validation_tail_with_one_class_offers_a_shuffle():
    y = np.sort(Y)
    findings = preflight.check(_classifier(), X, y, TrainingSettings(validation_split=0.2))
    assert _codes(findings) == ["validation_one_class"]
    finding = findings[0]
    assert finding.severity == "warning" and "last 20%" in finding.message and finding.action == "shuffle_once"
    x2, y2, _ = preflight.apply_fix(finding.action, _classifier(), X, y, TrainingSettings(validation_split=0.2))
    assert preflight.check(_classifier(), x2, y2, TrainingSettings(validation_split=0.2)) == []
    assert sorted(y2.tolist()) == sorted(y.tolist())


def test_very_different_class_mix_in_the_tail():
    y = np.concatenate([np.zeros(70, int), np.ones(10, int), np.full(20, 2)])
    y[-20:-12] = 1
    findings = preflight.check(_classifier(), X, y, TrainingSettings(validation_split=0.2))
    assert _codes(findings) == ["validation_class_mix"]


def test_stateful_model_batch_size_and_shuffle():
    inputs = Input((5, 2), batch_size=8, name="chunk")
    outputs = Dense(1)(LSTM(4, stateful=True, name="lstm")(inputs))
    model = Model(inputs, outputs)
    model.compile("sgd", "mse")
    x, y = np.zeros((30, 5, 2), "float32"), np.zeros((30, 1), "float32")
    findings = preflight.check(model, x, y, TrainingSettings(shuffle=True, batch_size=8))
    assert set(_codes(findings)) == {"stateful_shuffle", "stateful_batch"}
    batch = next(f for f in findings if f.code == "stateful_batch")
    assert "does not divide the 30 samples" in batch.message and "24" in batch.fix
    _, _, settings = preflight.apply_fix("shuffle_off", model, x, y, TrainingSettings())
    assert settings.shuffle is False
    ok = preflight.check(model, x[:24], y[:24], TrainingSettings(shuffle=False, batch_size=16))
    assert _codes(ok) == ["stateful_batch"] and ok[0].action == "batch_size:8"


def test_layers_frozen_since_compile_and_frozen_batch_norm():
    model = _classifier()
    model.get_layer("bn").trainable = False
    findings = preflight.check(model, X, Y)
    assert _codes(findings) == ["trainable_changed", "frozen_batch_norm"]
    assert "frozen: bn" in findings[0].message and "takes effect now" in findings[0].message
    assert "moving mean and variance" in findings[1].message
    preflight.apply_fix("recompile", model, X, Y, TrainingSettings())
    assert _codes(preflight.check(model, X, Y)) == ["frozen_batch_norm"]


def test_softmax_with_binary_crossentropy():
    model = _classifier(loss="binary_crossentropy")
    findings = preflight.check(model, X, np.eye(3)[Y])
    assert _codes(findings) == ["loss_output_mismatch"]
    assert findings[0].action == "loss:categorical_crossentropy"
    preflight.apply_fix(findings[0].action, model, X, Y, TrainingSettings())
    assert preflight.check(model, X, np.eye(3)[Y]) == []


@pytest.mark.parametrize(
    ("loss", "y", "code", "action"),
    [
        ("sparse_categorical_crossentropy", np.eye(3)[Y], "loss_targets_one_hot", "loss:categorical_crossentropy"),
        ("categorical_crossentropy", Y, "loss_targets_sparse", "loss:sparse_categorical_crossentropy"),
        ("sparse_categorical_crossentropy", Y + 1, "targets_out_of_range", ""),
    ],
)
def test_targets_that_do_not_fit_the_loss(loss, y, code, action):
    findings = preflight.check(_classifier(loss=loss), X, y)
    assert _codes(findings) == [code] and findings[0].severity == "error" and findings[0].action == action


def test_out_of_range_names_the_units_to_use():
    finding = preflight.check(_classifier(), X, Y + 1)[0]
    assert "0..2" in finding.message and "4 units" in finding.fix


def test_binary_targets_outside_zero_one():
    model = _classifier(loss="binary_crossentropy", units=1, activation="sigmoid")
    assert _codes(preflight.check(model, X, (Y * 2.0).reshape(-1, 1))) == ["targets_out_of_range"]


def test_shape_mismatches_say_what_to_change():
    findings = preflight.check(_classifier(), np.zeros((100, 5), "float32"), Y)
    assert _codes(findings) == ["shape_input"]
    assert "(4,)" in findings[0].message and "(5,)" in findings[0].message and "(5,)" in findings[0].fix
    assert _codes(preflight.check(_classifier(), X, Y[:50])) == ["shape_count"]
    assert _codes(preflight.check(_classifier(), X, np.zeros((100, 7)))) == ["shape_output"]


def test_unknown_fix_is_an_error():
    with pytest.raises(ValueError, match="Unknown preflight fix"):
        preflight.apply_fix("nope", _classifier(), X, Y, TrainingSettings())
