"""Training sessions placed on the real GPU (the studio's device choice), on the CuPy backend."""

from __future__ import annotations

import numpy as np

from engine.backend import devices
from engine.training.session import TrainingSession, TrainingSettings
from tests.engine.training.test_session import Recorder, _data, _mlp


def _run(devices_chosen):
    x, y = _data()
    model = _mlp()
    session = TrainingSession(model, x, y, TrainingSettings(epochs=2, batch_size=16, devices=devices_chosen))
    recorder = Recorder()
    session.subscribe(recorder)
    result = session.run()
    return model, result, recorder


def test_session_on_gpu_0_trains_and_reports_its_memory(cupy_backend):
    model, result, recorder = _run(["/gpu:0"])
    assert result.reason == "completed", result.error
    assert recorder.of("started")[0]["device"].startswith("GPU 0")
    memory = recorder.of("epoch")[-1]["device_memory"]
    assert memory["/gpu:0"] > 0
    assert devices.memory_in_use("/gpu:0") > 0
    weights = model.get_weights()
    assert all(isinstance(w, np.ndarray) and np.isfinite(w).all() for w in weights)


def test_session_on_the_cpu_while_the_engine_runs_on_cupy(cupy_backend):
    model, result, recorder = _run(["/cpu:0"])
    assert result.reason == "completed", result.error
    assert recorder.of("started")[0]["device"] == "CPU"
    assert all(np.isfinite(w).all() for w in model.get_weights())
