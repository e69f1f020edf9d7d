"""TrainingSettings.devices: checked with clear errors, saved with the settings, and honoured by a run.

GPUs are faked by patching ``engine.backend.devices.gpu_status``/``list_devices``; the data-parallel run
uses the parallel package's virtual devices (replicas on the CPU), the same code path as several GPUs.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.backend import _state, devices
from engine.errors import ConfigError
from engine.layers import Dense, Input
from engine.models import Model
from engine.optimizers import SGD
from engine.training import placement
from engine.training.session import TrainingSession, TrainingSettings
from engine.utils import set_random_seed
from tests.engine.training.test_session import Recorder, _data, _mlp

GiB = 1024**3


@pytest.fixture(autouse=True)
def numpy_backend():
    """These tests fake the GPUs and expect the NumPy backend's defaults (the suite may run on CuPy)."""
    previous = _state.backend()
    _state.set_backend("numpy")
    yield
    _state.set_backend(previous)


def fake_gpus(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """Pretend ``count`` GPUs exist (0: CuPy missing)."""
    cpu = devices.DeviceInfo("/cpu:0", "CPU", 0, "x86_64", 16 * GiB, 8 * GiB)
    gpus = [devices.DeviceInfo(f"/gpu:{i}", "GPU", i, f"Fake GPU {i}", 80 * GiB, (70 - i) * GiB) for i in range(count)]
    reason = "" if count else 'CuPy is not installed: install the GPU extra with pip install -e ".[gpu]".'
    monkeypatch.setattr(devices, "gpu_status", lambda: (count, reason))
    monkeypatch.setattr(devices, "list_devices", lambda: [cpu, *gpus])


def test_devices_default_to_the_cpu_and_round_trip_through_the_settings_dict():
    assert TrainingSettings().devices == []
    assert TrainingSettings.from_dict({"epochs": 3}).devices == []  # files saved before the field existed
    settings = TrainingSettings(devices=["/gpu:0", "/gpu:1"])
    assert TrainingSettings.from_dict(settings.to_dict()).devices == ["/gpu:0", "/gpu:1"]
    assert TrainingSettings.from_dict({"devices": "/gpu:1"}).devices == ["/gpu:1"]


@pytest.mark.parametrize("count", [0, 1, 2])
def test_unknown_device_error_lists_the_devices_found(monkeypatch, count):
    fake_gpus(monkeypatch, count)
    with pytest.raises(ConfigError) as error:
        placement.check_devices(["/gpu:5"])
    message = str(error.value)
    assert "'/gpu:5' does not exist" in message and "/cpu:0 (x86_64)" in message
    for i in range(count):
        assert f"/gpu:{i} (Fake GPU {i})" in message
    if count == 0:
        assert 'pip install -e ".[gpu]"' in message
    with pytest.raises(ConfigError, match=r"Unknown training device 'tpu:0'.*devices found"):
        placement.check_devices(["tpu:0"])


def test_bad_combinations_are_refused(monkeypatch):
    fake_gpus(monkeypatch, 2)
    with pytest.raises(ConfigError, match="same device twice"):
        placement.check_devices(["/gpu:0", "gpu:0"])
    with pytest.raises(ConfigError, match="GPUs only"):
        placement.check_devices(["/cpu:0", "/gpu:0"])
    with pytest.raises(ConfigError, match="CuPy backend"):  # the tests run on NumPy
        placement.check_devices(["/gpu:1"])
    assert placement.check_devices([]) == []
    assert placement.check_devices(["/cpu:0"]) == [devices.Device("cpu", 0)]


def test_a_run_on_a_missing_device_fails_with_the_clear_message(monkeypatch):
    fake_gpus(monkeypatch, 1)
    x, y = _data()
    session = TrainingSession(_mlp(), x, y, TrainingSettings(epochs=1, devices=["/gpu:3"]))
    recorder = Recorder()
    session.subscribe(recorder)
    result = session.run()
    assert result.reason == "error" and "'/gpu:3' does not exist" in result.error and "Fake GPU 0" in result.error
    assert any("does not exist" in p["message"] for p in recorder.of("log") if p["level"] == "error")


def test_descriptions_name_the_gpus(monkeypatch):
    fake_gpus(monkeypatch, 2)
    assert placement.describe([]) == "CPU"
    assert placement.describe(["/gpu:1"]) == "GPU 1 (Fake GPU 1)"
    assert placement.describe(["/gpu:0", "/gpu:1"]) == "2 GPUs (data parallel): GPU 0 (Fake GPU 0), GPU 1 (Fake GPU 1)"
    assert placement.describe(["/gpu:0", "/gpu:1"], virtual=True) == "2 virtual devices on the CPU (data parallel)"


def test_cpu_run_with_no_devices_still_trains():
    x, y = _data()
    session = TrainingSession(_mlp(), x, y, TrainingSettings(epochs=2, batch_size=16))
    recorder = Recorder()
    session.subscribe(recorder)
    result = session.run()
    assert result.reason == "completed" and result.epochs_run == 2
    started = recorder.of("started")[0]
    assert started["device"] == "CPU" and started["devices"] == []
    assert all(e["device_memory"] == {} for e in recorder.of("epoch"))
    assert all("device_memory" not in b for b in recorder.of("batch"))
    assert session.train_one_batch() > 0  # stepping outside a run goes through the same placement


def test_memory_in_use_is_none_on_the_cpu():
    assert devices.memory_in_use("/cpu:0") is None
    assert devices.memory_in_use("not a device") is None
    if devices.gpu_count() == 0:
        assert devices.memory_in_use(0) is None


def test_gpu_memory_is_reported_in_epoch_and_throttled_batch_events(monkeypatch):
    monkeypatch.setattr(devices, "memory_in_use", lambda name: {"/gpu:0": 3 * GiB, "/gpu:1": 2 * GiB}[name])
    monkeypatch.setattr(placement, "_gpus_in_use", lambda parsed, virtual: ["/gpu:0", "/gpu:1"])
    x, y = _data()
    settings = TrainingSettings(epochs=2, batch_size=16, devices=["/gpu:0", "/gpu:1"])
    session = TrainingSession(_mlp(), x, y, settings, virtual_devices=True)
    recorder = Recorder()
    session.subscribe(recorder)
    assert session.run().reason == "completed"
    expected = {"/gpu:0": 3 * GiB, "/gpu:1": 2 * GiB}
    assert [e["device_memory"] for e in recorder.of("epoch")] == [expected, expected]
    with_memory = [b for b in recorder.of("batch") if "device_memory" in b]
    assert with_memory and with_memory[0]["device_memory"] == expected
    assert len(with_memory) < len(recorder.of("batch"))  # throttled: not every batch reads the GPUs


def _plain(seed: int) -> Model:
    set_random_seed(seed)
    inputs = Input((4,), name="features")
    hidden = Dense(8, activation="tanh", name="hidden")(inputs)
    model = Model(inputs, Dense(3, activation="softmax", name="out")(hidden), name="plain")
    model.compile(SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_two_virtual_devices_train_the_plain_model(tmp_path):
    """The replica set shares the plain model's weights: they end up trained as one device would train them."""
    x, y = _data(96)
    reference = _plain(3)
    TrainingSession(reference, x, y, TrainingSettings(epochs=2, batch_size=16, shuffle=False)).run()
    model = _plain(3)
    before = [w.copy() for w in model.get_weights()]
    settings = TrainingSettings(epochs=2, batch_size=16, shuffle=False, devices=["/gpu:0", "/gpu:1"],
                                checkpoint={"folder": str(tmp_path), "save_best_only": False})  # fmt: skip
    session = TrainingSession(model, x, y, settings, virtual_devices=True)
    recorder = Recorder()
    session.subscribe(recorder)
    result = session.run()
    assert result.reason == "completed", result.error
    assert recorder.of("started")[0]["device"] == "2 virtual devices on the CPU (data parallel)"
    assert recorder.of("started")[0]["devices"] == ["/gpu:0", "/gpu:1"]
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    for trained, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(trained, expected, rtol=1e-4, atol=1e-5)
    assert result.history["loss"] == pytest.approx(reference.history.history["loss"], rel=1e-4)
    # Checkpoints hold the plain model (never the replica wrapper), so they open anywhere.
    from engine.saving import load_model

    saved = load_model(str(tmp_path / "plain_epoch002.h5"))
    assert saved.name == "plain" and type(saved).__name__ != "DataParallelModel"
    for loaded, trained in zip(saved.get_weights(), model.get_weights()):
        np.testing.assert_allclose(loaded, trained)
