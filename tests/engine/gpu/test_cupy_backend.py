"""Representative engine runs under the CuPy backend, checked against the NumPy backend.

Both backends draw initial weights, dropout masks and shuffles on the host from the
same seeded generator, so in float64 the two runs must agree to rounding.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from engine import backend, layers, models
from engine.backend import _state, devices
from engine.utils import set_random_seed


def _run_on(name, build, x, y, loss, epochs=2, batch_size=8):
    previous = _state.backend()
    _state.set_backend(name)
    try:
        backend.set_floatx("float64")
        set_random_seed(3)
        model = build()
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True)
        return model.get_weights(), history.history, model.predict(x, verbose=0)
    finally:
        _state.set_backend(previous)


def _assert_same_run(build, x, y, loss, atol=1e-7):
    w_np, h_np, p_np = _run_on("numpy", build, x, y, loss)
    w_cp, h_cp, p_cp = _run_on("cupy", build, x, y, loss)
    assert all(isinstance(w, np.ndarray) for w in w_cp)  # get_weights returns host arrays
    for a, b in zip(w_np, w_cp, strict=True):
        np.testing.assert_allclose(b, a, atol=atol, rtol=1e-6)
    np.testing.assert_allclose(h_cp["loss"], h_np["loss"], rtol=1e-6)
    np.testing.assert_allclose(p_cp, p_np, atol=atol, rtol=1e-6)


def _data(shape, classes, n=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *shape)), rng.integers(0, classes, size=n)


def test_backend_is_cupy(cupy_backend):
    assert backend.backend() == "cupy"
    assert backend.xp.zeros(3).__class__ is cupy_backend.ndarray
    assert devices.current_device().kind == "gpu"


def test_list_devices_reports_gpus(cupy_backend):
    found = backend.list_devices()
    assert found[0].name == "/cpu:0"
    gpus = [d for d in found if d.device_type == "GPU"]
    assert gpus and gpus[0].name == "/gpu:0" and gpus[0].memory_total > gpus[0].memory_free > 0


def test_mlp_with_dropout_matches_numpy(cupy_backend):
    x, y = _data((10,), 3)

    def build():
        return models.Sequential([layers.Input(shape=(10,)), layers.Dense(16, activation="relu"), layers.Dropout(0.3),
                                  layers.Dense(3, activation="softmax")])  # fmt: skip

    _assert_same_run(build, x, y, "sparse_categorical_crossentropy")


def test_cnn_batchnorm_pooling_matches_numpy(cupy_backend):
    x, y = _data((8, 8, 2), 2)

    def build():
        return models.Sequential([
            layers.Input(shape=(8, 8, 2)), layers.Conv2D(4, 3, padding="same"), layers.BatchNormalization(),
            layers.Activation("relu"), layers.MaxPooling2D(2), layers.SeparableConv2D(3, 3),
            layers.GlobalAveragePooling2D(), layers.Dense(2, activation="softmax"),
        ])  # fmt: skip

    _assert_same_run(build, x, y, "sparse_categorical_crossentropy")


def test_lstm_gru_embedding_match_numpy(cupy_backend):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 20, size=(32, 6))
    y = rng.integers(0, 2, size=32)

    def build():
        inputs = layers.Input(shape=(6,))
        h = layers.Embedding(20, 5)(inputs)
        h = layers.LSTM(4, return_sequences=True)(h)
        h = layers.GRU(3)(h)
        return models.Model(inputs, layers.Dense(2, activation="softmax")(h))

    _assert_same_run(build, x, y, "sparse_categorical_crossentropy")


def test_save_and_load_weights_on_gpu(cupy_backend, tmp_path):
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    assert isinstance(model.weights[0].data, cupy_backend.ndarray)
    path = tmp_path / "w.weights.h5"
    model.save_weights(str(path))
    other = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    other.load_weights(str(path))
    assert isinstance(other.weights[0].data, cupy_backend.ndarray)
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])


class _CountingModule:
    """Forwards to CuPy, counting host arrays that enter the device through asarray/array."""

    def __init__(self, cupy):
        self._cupy = cupy
        self.host_to_device = 0

    def __getattr__(self, name):
        return getattr(self._cupy, name)

    def _count(self, value):
        if isinstance(value, np.ndarray):
            self.host_to_device += 1

    def asarray(self, value, *args, **kwargs):
        self._count(value)
        return self._cupy.asarray(value, *args, **kwargs)

    def array(self, value, *args, **kwargs):
        self._count(value)
        return self._cupy.array(value, *args, **kwargs)


def test_host_device_copies_only_at_the_edges(cupy_backend, monkeypatch):
    """Per batch: the inputs and targets go in, the outputs come out; no copy per op or per layer."""
    x, y = _data((12,), 4, n=64)
    model = models.Sequential([layers.Input(shape=(12,)), layers.Dense(32, activation="relu"),
                               layers.Dense(32, activation="relu"), layers.Dense(4, activation="softmax")])  # fmt: skip
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)  # warm-up: optimizer slots, metric variables
    counting = _CountingModule(cupy_backend)
    device_to_host = []
    original = backend.to_numpy

    def counting_to_numpy(array):
        device_to_host.append(type(array).__module__)
        return original(array)

    for module in list(sys.modules.values()):
        if getattr(module, "to_numpy", None) is original and (module.__name__ or "").startswith("engine"):
            monkeypatch.setattr(module, "to_numpy", counting_to_numpy)
    monkeypatch.setattr(_state, "_array_module", counting)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    steps = 4
    print(f"host->device per batch: {counting.host_to_device / steps}; to_numpy calls: {len(device_to_host)}")
    assert counting.host_to_device <= 2 * steps  # x and y once per batch (losses and metrics share y)
    assert len(device_to_host) <= 2 * steps + 4
    counting.host_to_device = 0
    device_to_host.clear()
    model.predict(x, batch_size=32, verbose=0)
    assert counting.host_to_device <= 2
    assert len(device_to_host) <= 2


def test_virtual_data_parallel_on_gpu(cupy_backend):
    from engine.parallel import multi_gpu_model

    backend.set_floatx("float64")
    inputs = layers.Input(shape=(5,))
    model = models.Model(inputs, layers.Dense(2)(layers.Dense(6, activation="tanh")(inputs)))
    parallel = multi_gpu_model(model, gpus=2, virtual=True)
    parallel.compile(optimizer="sgd", loss="mse")
    x, y = np.random.default_rng(0).normal(size=(9, 5)), np.random.default_rng(1).normal(size=(9, 2))
    loss = parallel.train_on_batch(x, y)
    assert np.isfinite(loss)
    assert isinstance(parallel.replicas[1].weights[0].data, cupy_backend.ndarray)
    np.testing.assert_array_equal(parallel.replicas[1].get_weights()[0], model.get_weights()[0])


def test_device_scopes(cupy_backend):
    with backend.device("/gpu:0"):
        assert isinstance(backend.xp.ones(2), cupy_backend.ndarray)
    with backend.device("/cpu:0"):
        assert isinstance(backend.xp.ones(2), np.ndarray)
    assert backend.backend() == "cupy"
    with pytest.raises(Exception, match="does not exist"):
        with backend.device(f"/gpu:{backend.gpu_count()}"):
            pass


def test_faq_branches_on_gpu_merge_on_cpu(cupy_backend):
    """The FAQ's device-parallel example: the LSTM branches on the GPU, the concatenation on the CPU."""
    shared_lstm = layers.LSTM(4)
    input_a, input_b = layers.Input(shape=(5, 3)), layers.Input(shape=(5, 3))
    with backend.device("/gpu:0"):
        encoded_a = shared_lstm(input_a)
        encoded_b = shared_lstm(input_b)
    with backend.device("/cpu:0"):
        merged = layers.Concatenate(axis=-1)([encoded_a, encoded_b])
    model = models.Model([input_a, input_b], layers.Dense(1)(merged))
    assert isinstance(shared_lstm.weights[0].data, cupy_backend.ndarray)
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    xa, xb, y = rng.normal(size=(6, 5, 3)), rng.normal(size=(6, 5, 3)), rng.normal(size=(6, 1))
    before = model.get_weights()[0].copy()
    model.fit([xa, xb], y, epochs=1, verbose=0)
    assert not np.allclose(before, model.get_weights()[0])
    assert model.predict([xa, xb], verbose=0).shape == (6, 1)
