"""Data parallelism on "virtual devices": the multi-GPU code path with N host replicas.

The all-reduced gradient must equal the single-replica gradient on the whole batch (MLP,
LSTM) within 1e-6 in float64. BatchNormalization normalises each replica's slice with its
own batch statistics (as Keras's multi_gpu_model does), so there the reference is the
share-weighted sum of single-model gradients over the same slices.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend, layers, models
from engine.autograd import gradients
from engine.backend import to_numpy
from engine.errors import ConfigError
from engine.layers.node import flatten
from engine.parallel import multi_gpu_model
from engine.parallel.data_parallel import split_points
from engine.utils import set_random_seed


@pytest.fixture(autouse=True)
def _float64():
    previous = backend.floatx()
    backend.set_floatx("float64")
    set_random_seed(7)
    yield
    backend.set_floatx(previous)


def _single_gradients(model, x, y, loss):
    model.compile(optimizer="sgd", loss=loss)
    model._prepare_compiled_state()
    variables = model._compiled_trainable
    watched = {id(v) for v in variables}
    for v in model.weights:
        v.requires_grad = id(v) in watched
    try:
        outputs = list(flatten(model(x, training=True)))
        total, _ = model._loss_container(model._split_targets(y), outputs, [None] * len(outputs))
        for penalty in model.losses:
            total = total + penalty
        return [to_numpy(g) for g in gradients(total, variables)]
    finally:
        for v in variables:
            v.requires_grad = False


def _parallel_gradients(model, x, y, loss, parts):
    parallel = multi_gpu_model(model, gpus=parts, virtual=True)
    parallel.compile(optimizer="sgd", loss=loss)
    _, grads, _ = parallel.replica_gradients(x, y)
    return [to_numpy(g) for g in grads]


def _mlp():
    inputs = layers.Input(shape=(6,))
    hidden = layers.Dense(8, activation="tanh", kernel_regularizer="l2")(inputs)
    return models.Model(inputs, layers.Dense(3, activation="softmax")(hidden))


def _cnn_bn():
    return models.Sequential(
        [
            layers.Input(shape=(6, 6, 2)),
            layers.Conv2D(3, 3, padding="same"),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )


def _lstm():
    inputs = layers.Input(shape=(5, 3))
    return models.Model(inputs, layers.Dense(2)(layers.LSTM(4)(inputs)))


def _data(shape, classes=None, batch=11, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, *shape))
    if classes is None:
        return x, rng.normal(size=(batch, 2))
    return x, np.eye(classes)[rng.integers(0, classes, size=batch)]


def test_split_points_follow_keras():
    assert split_points(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert split_points(2, 3) == [(0, 2)]  # a batch smaller than the replica count runs on one replica


@pytest.mark.parametrize("parts", [2, 3])
def test_mlp_gradients_equal_single_replica(parts):
    model = _mlp()
    x, y = _data((6,), classes=3)
    reference = _single_gradients(model, x, y, "categorical_crossentropy")
    parallel = _parallel_gradients(model, x, y, "categorical_crossentropy", parts)
    for ref, got in zip(reference, parallel, strict=True):
        np.testing.assert_allclose(got, ref, atol=1e-6, rtol=1e-6)


def test_lstm_gradients_equal_single_replica():
    model = _lstm()
    x, y = _data((5, 3))
    reference = _single_gradients(model, x, y, "mse")
    parallel = _parallel_gradients(model, x, y, "mse", 3)
    for ref, got in zip(reference, parallel, strict=True):
        np.testing.assert_allclose(got, ref, atol=1e-6, rtol=1e-6)


def test_cnn_batchnorm_uses_per_replica_statistics():
    model = _cnn_bn()
    x, y = _data((6, 6, 2), batch=10)
    bounds = split_points(10, 2)
    reference = None
    for start, stop in bounds:
        grads = _single_gradients(model, x[start:stop], y[start:stop], "mse")
        share = (stop - start) / 10
        reference = (
            [g * share for g in grads] if reference is None else [r + g * share for r, g in zip(reference, grads)]
        )
    parallel = _parallel_gradients(model, x, y, "mse", 2)
    for ref, got in zip(reference, parallel, strict=True):
        np.testing.assert_allclose(got, ref, atol=1e-6, rtol=1e-6)
    whole = _single_gradients(model, x, y, "mse")
    assert not all(np.allclose(a, b, atol=1e-6) for a, b in zip(whole, parallel))  # statistics are per replica


def test_fit_matches_single_device_training_and_shares_weights(tmp_path):
    x, y = _data((6,), classes=3, batch=12)
    single = _mlp()
    twin = _mlp()
    twin.set_weights(single.get_weights())
    single.compile(optimizer="sgd", loss="categorical_crossentropy")
    single.fit(x, y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    parallel = multi_gpu_model(twin, gpus=3, virtual=True)
    parallel.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = parallel.fit(x, y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    assert "accuracy" in history.history
    for a, b in zip(single.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, atol=1e-6)
    for replica in parallel.replicas[1:]:
        for a, b in zip(twin.get_weights(), replica.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(parallel.predict(x, verbose=0), twin.predict(x, verbose=0), atol=1e-12)
    np.testing.assert_allclose(parallel.evaluate(x, y, verbose=0)[0], single.evaluate(x, y, verbose=0), atol=1e-6)
    path = tmp_path / "trained.weights.h5"
    twin.save_weights(str(path))
    fresh = _mlp()
    fresh.load_weights(str(path))
    np.testing.assert_array_equal(fresh.get_weights()[0], twin.get_weights()[0])


def test_moving_statistics_are_averaged_over_replicas():
    model = _cnn_bn()
    x, y = _data((6, 6, 2), batch=8)
    parallel = multi_gpu_model(model, gpus=2, virtual=True)
    parallel.compile(optimizer="sgd", loss="mse")
    parallel.train_on_batch(x, y)
    bn = model.layers[1]
    moving_mean = np.asarray(bn.moving_mean)
    assert not np.allclose(moving_mean, 0.0)
    np.testing.assert_array_equal(np.asarray(parallel.replicas[1].layers[1].moving_mean), moving_mean)


def test_clear_errors():
    model = _mlp()
    with pytest.raises(ConfigError, match="gpus >= 2"):
        multi_gpu_model(model, gpus=1)
    if backend.gpu_count() < 8:
        with pytest.raises(ConfigError, match="Devices found: /cpu:0"):
            multi_gpu_model(model, gpus=8)
