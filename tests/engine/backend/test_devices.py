"""Device discovery and placement scopes (the GPU side is exercised in tests/engine/gpu)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend, layers, models
from engine.backend import devices
from engine.errors import ConfigError


def test_list_devices_starts_with_the_cpu():
    found = backend.list_devices()
    assert found[0].name == "/cpu:0" and found[0].device_type == "CPU"
    assert len(found) == 1 + backend.gpu_count()


def test_gpu_status_explains_why_there_is_none():
    count, reason = devices.gpu_status()
    assert count > 0 or reason  # never a crash, always a reason


@pytest.mark.parametrize(("name", "kind", "index"), [("/gpu:1", "gpu", 1), ("gpu:0", "gpu", 0),
                                                     ("/device:GPU:2", "gpu", 2), ("/cpu:0", "cpu", 0)])  # fmt: skip
def test_parse_device_names(name, kind, index):
    assert devices.parse(name) == devices.Device(kind, index)


def test_unknown_devices_are_clear_errors():
    with pytest.raises(ConfigError, match="Unknown device name"):
        devices.parse("/tpu:0")
    with pytest.raises(ConfigError, match="does not exist"), backend.device(f"/gpu:{backend.gpu_count() + 3}"):
        pass
    with pytest.raises(ConfigError, match="one CPU"), backend.device("/cpu:1"):
        pass


def test_faq_device_parallel_example_on_the_cpu():
    """The Keras FAQ's shared-LSTM two-branch model, each branch in a device scope, trains."""
    shared_lstm = layers.LSTM(4)
    input_a = layers.Input(shape=(5, 3))
    input_b = layers.Input(shape=(5, 3))
    with backend.device("/cpu:0"):
        encoded_a = shared_lstm(input_a)
    with backend.device("/cpu:0"):
        encoded_b = shared_lstm(input_b)
    with backend.device("/cpu:0"):
        merged = layers.Concatenate(axis=-1)([encoded_a, encoded_b])
    model = models.Model([input_a, input_b], layers.Dense(1)(merged))
    assert shared_lstm._device_placement == devices.Device("cpu", 0)
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    xa, xb, y = rng.normal(size=(6, 5, 3)), rng.normal(size=(6, 5, 3)), rng.normal(size=(6, 1))
    before = model.get_weights()[0].copy()
    model.fit([xa, xb], y, epochs=1, verbose=0)
    assert not np.allclose(before, model.get_weights()[0])
    assert backend.current_device() == devices.Device("cpu", 0) or backend.backend() == "cupy"
