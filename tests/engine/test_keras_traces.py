"""Training traces recorded with real Keras (3 and 2) are reproduced step by step.

Same initial weights, same data, shuffle=False, four optimizers: the per-batch
and per-epoch losses must agree within 1e-4 relative, and predictions after
training within 1e-4 (float32 rounding accumulates over 12 steps).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import callbacks, optimizers
from tests.engine import keras_fixtures as kf

VARIANTS = ["sgd", "sgd_nesterov", "rmsprop", "adam"]
MODELS = {
    "mlp_trace": (lambda: kf.build_mlp(with_dropout=False), "categorical_crossentropy"),
    "cnn_trace": (kf.build_cnn, "sparse_categorical_crossentropy"),
}


def _initial_model(version: str, name: str):
    build, loss = MODELS[name]
    model = build()
    kf.load_v3_weights(model, kf.path(version, f"{name}_init.weights.h5"))
    return model, loss


@pytest.mark.parametrize("version", kf.VERSIONS)
@pytest.mark.parametrize("name", list(MODELS))
def test_initial_predictions_match_keras(version, name):
    model, _ = _initial_model(version, name)
    x = np.load(kf.path(version, f"{name}_x.npy"))
    expected = np.load(kf.path(version, f"{name}_init_y.npy"))
    np.testing.assert_allclose(model.predict(x), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("version", kf.VERSIONS)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", list(MODELS))
def test_training_trace_matches_keras(version, name, variant):
    fit_spec = kf.load_json(version, f"{name}_fit.json")
    spec = fit_spec["variants"][variant]
    history_ref = kf.load_json(version, spec["history"])
    model, loss = _initial_model(version, name)
    optimizer = optimizers.get({"class_name": spec["optimizer_class"], "config": spec["optimizer_config"]})
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    batch_logs = []
    recorder = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batch_logs.append(dict(logs)))
    x = np.load(kf.path(version, f"{name}_train_x.npy"))
    y = np.load(kf.path(version, f"{name}_train_y.npy"))
    history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0, callbacks=[recorder])

    np.testing.assert_allclose(history.history["loss"], history_ref["epoch_logs"]["loss"], rtol=1e-4)
    np.testing.assert_allclose(history.history["accuracy"], history_ref["epoch_logs"]["accuracy"], atol=1e-6)
    np.testing.assert_allclose([b["loss"] for b in batch_logs], [b["loss"] for b in history_ref["batch_logs"]],
                               rtol=1e-4)  # fmt: skip
    predictions = model.predict(np.load(kf.path(version, f"{name}_x.npy")))
    np.testing.assert_allclose(predictions, np.load(kf.path(version, f"{name}_{variant}_y.npy")), atol=1e-4)
