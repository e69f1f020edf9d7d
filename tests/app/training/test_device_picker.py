"""The training device picker with 0, 1 and 2 faked GPUs, its round trip through saved settings, and the dashboard's
device line."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest
from PySide6.QtGui import QPainter, QPixmap

from app.training import device_picker
from app.training.device_picker import DevicePicker
from app.training.device_status import DeviceStatus, memory_text
from app.training.persistence import read_training_extras, write_training_extras
from app.training.settings_form import SettingsForm
from engine.backend import devices
from engine.training.session import TrainingSettings

GiB = 1024**3
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
NO_CUPY = 'CuPy is not installed: install the GPU extra with pip install -e ".[gpu]".'


def fake_gpus(monkeypatch, count: int, reason: str = NO_CUPY, backend: str = "cupy") -> None:
    """Pretend ``count`` GPUs exist and the engine runs on ``backend``."""
    cpu = devices.DeviceInfo("/cpu:0", "CPU", 0, "x86_64", 16 * GiB, 8 * GiB)
    gpus = [devices.DeviceInfo(f"/gpu:{i}", "GPU", i, f"NVIDIA H100 80GB HBM3 #{i}", 80 * GiB, (70 - 10 * i) * GiB)
            for i in range(count)]  # fmt: skip
    monkeypatch.setattr(devices, "gpu_status", lambda: (count, "" if count else reason))
    monkeypatch.setattr(devices, "list_devices", lambda: [cpu, *gpus])
    monkeypatch.setattr(device_picker, "backend_name", lambda: backend if count else "numpy")
    monkeypatch.setattr(devices, "cpu_kernels_missing_reason", lambda: "")  # the same notes with or without them


def _texts(picker: DevicePicker) -> list[str]:
    return [picker.combo.itemText(i) for i in range(picker.combo.count())]


def test_no_gpu_keeps_the_cpu_usable_and_says_why(qtbot, monkeypatch):
    fake_gpus(monkeypatch, 0)
    picker = DevicePicker()
    qtbot.addWidget(picker)
    assert _texts(picker) == ["CPU"] and picker.combo.isEnabled()
    assert picker.devices() == []
    assert picker.note.text() == "No GPU — " + NO_CUPY  # what to do is in the reason itself
    assert not picker.note.isHidden()


def test_driver_problem_says_what_to_do(qtbot, monkeypatch):
    fake_gpus(monkeypatch, 0, reason="No usable NVIDIA GPU: the CUDA driver reports CUDARuntimeError: no driver.")
    picker = DevicePicker()
    qtbot.addWidget(picker)
    assert "the CUDA driver reports" in picker.note.text() and "nvidia-smi" in picker.note.text()


def test_one_gpu_is_listed_with_its_memory(qtbot, monkeypatch):
    fake_gpus(monkeypatch, 1)
    picker = DevicePicker()
    qtbot.addWidget(picker)
    assert _texts(picker) == ["CPU", "GPU 0 · NVIDIA H100 80GB HBM3 #0 · 70.0 of 80.0 GiB free"]
    with qtbot.waitSignal(picker.changed):
        picker.combo.setCurrentIndex(1)
    assert picker.devices() == ["/gpu:0"]
    assert picker.note.text() == "NVIDIA H100 80GB HBM3 #0: 80.0 GiB total, 70.0 GiB free."
    picker.combo.setCurrentIndex(0)
    assert picker.devices() == ["/cpu:0"]  # under CuPy the CPU is named: [] would be the default GPU


def test_two_gpus_offer_each_and_data_parallel(qtbot, monkeypatch):
    fake_gpus(monkeypatch, 2)
    picker = DevicePicker()
    qtbot.addWidget(picker)
    assert _texts(picker)[1:] == ["GPU 0 · NVIDIA H100 80GB HBM3 #0 · 70.0 of 80.0 GiB free",
                                  "GPU 1 · NVIDIA H100 80GB HBM3 #1 · 60.0 of 80.0 GiB free",
                                  "All 2 GPUs (data parallel)"]  # fmt: skip
    picker.combo.setCurrentIndex(3)
    assert picker.devices() == ["/gpu:0", "/gpu:1"]
    assert "split over 2 GPUs" in picker.note.text()
    picker.set_devices(["gpu:1"])
    assert picker.devices() == ["/gpu:1"] and picker.combo.currentIndex() == 2


def test_gpus_on_the_numpy_backend_are_shown_but_not_offered(qtbot, monkeypatch):
    fake_gpus(monkeypatch, 2, backend="numpy")
    picker = DevicePicker()
    qtbot.addWidget(picker)
    assert len(_texts(picker)) == 4
    assert not any(picker._enabled(i) for i in (1, 2, 3))
    assert "runs on NumPy" in picker.note.text() and "STRATA_BACKEND=cupy" in picker.note.text()
    picker.set_devices(["/gpu:0"])
    assert picker.devices() == [] and "not available here" in picker.note.text()


def test_a_saved_choice_missing_here_falls_back_to_the_cpu(qtbot, monkeypatch):
    fake_gpus(monkeypatch, 1)
    picker = DevicePicker()
    qtbot.addWidget(picker)
    picker.set_devices(["/gpu:3"])
    assert picker.devices() == ["/cpu:0"]
    assert "The saved choice (/gpu:3) is not available here" in picker.note.text()
    picker.combo.setCurrentIndex(1)  # the user's own choice clears the notice
    assert "not available" not in picker.note.text()


@pytest.mark.parametrize("count", [0, 1, 2])
def test_choice_round_trips_through_save_and_open(qtbot, monkeypatch, tmp_path, count):
    fake_gpus(monkeypatch, count)
    form = SettingsForm()
    qtbot.addWidget(form)
    choice = {0: [], 1: ["/gpu:0"], 2: ["/gpu:0", "/gpu:1"]}[count]
    changes = []
    form.changed.connect(lambda: changes.append(1))
    form.set_settings(TrainingSettings(epochs=4, devices=choice))
    assert form.settings().devices == choice
    assert changes or not choice  # the dashboard re-checks when the device changes
    path = tmp_path / "model.h5"
    with h5py.File(path, "w"):
        pass
    write_training_extras(path, form.settings())
    restored, _ = read_training_extras(path)
    assert restored.devices == choice
    reopened = SettingsForm()
    qtbot.addWidget(reopened)
    reopened.set_settings(restored)
    assert reopened.settings() == form.settings()


def test_device_status_shows_the_device_and_memory_per_gpu(qtbot):
    status = DeviceStatus()
    qtbot.addWidget(status)
    assert status.isHidden()
    status.show_started({"device": "2 GPUs (data parallel): GPU 0 (H100), GPU 1 (H100)"})
    assert status.text() == "Device: 2 GPUs (data parallel): GPU 0 (H100), GPU 1 (H100)"
    status.show_batches([{"loss": 1.0}, {"loss": 0.9, "device_memory": {"/gpu:0": 3 * GiB, "/gpu:1": GiB // 2}}])
    assert status.text().endswith("GPU 0: 3.0 GiB · GPU 1: 0.5 GiB in use")
    status.show_event({"device_memory": {}})  # the CPU reports nothing: the last figures stay
    assert "3.0 GiB" in status.text()
    assert memory_text({}) == ""


def test_dashboard_names_the_device_of_a_run(qtbot, dashboard):
    dashboard.data_panel.choose_example("Digits (8x8 images)")
    dashboard.settings_form.epochs.setValue(1)
    assert dashboard.settings_form.settings().devices == []
    with qtbot.waitSignal(dashboard.runFinished, timeout=60_000):
        assert dashboard.start()
    assert dashboard.device_status.text() == "Device: CPU" and dashboard.device_status.isVisible()


def _grab_form(qtbot, monkeypatch, count: int, choice: int = 0, kernels_missing: str = "") -> QPixmap:
    fake_gpus(monkeypatch, count)
    monkeypatch.setattr(devices, "cpu_kernels_missing_reason", lambda: kernels_missing)
    from PySide6.QtWidgets import QApplication, QScrollArea

    from app.theme import apply_theme

    apply_theme(QApplication.instance(), "dark")
    form = SettingsForm()
    form.device.combo.setCurrentIndex(choice)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(form)
    qtbot.addWidget(scroll)
    scroll.resize(400, 480)
    scroll.show()
    qtbot.waitExposed(scroll)
    return scroll.grab()


def test_grab_the_settings_panel(qtbot, monkeypatch):
    """artifacts/device_picker.png: two faked GPUs (data parallel chosen), one GPU chosen, no GPU, and no GPU
    on an install without the fused CPU kernels."""
    shots = [
        _grab_form(qtbot, monkeypatch, 2, 3),
        _grab_form(qtbot, monkeypatch, 1, 1),
        _grab_form(qtbot, monkeypatch, 0),
        _grab_form(qtbot, monkeypatch, 0, kernels_missing="the fused CPU kernels were not built: reinstall with a "
                   "C compiler"),
    ]  # fmt: skip
    sheet = QPixmap(sum(s.width() for s in shots) + 12 * (len(shots) - 1), max(s.height() for s in shots))
    sheet.fill()
    painter = QPainter(sheet)
    x = 0
    for shot in shots:
        painter.drawPixmap(x, 0, shot)
        x += shot.width() + 12
    painter.end()
    ARTIFACTS.mkdir(exist_ok=True)
    assert sheet.save(str(ARTIFACTS / "device_picker.png"))


def test_the_cpu_choice_says_when_the_fused_kernels_are_missing(qtbot, monkeypatch):
    fake_gpus(monkeypatch, 0)
    monkeypatch.setattr(devices, "cpu_kernels_missing_reason", lambda: "the fused CPU kernels were not built: "
                        "reinstall with a C compiler")  # fmt: skip
    picker = DevicePicker()
    qtbot.addWidget(picker)
    assert picker.note.text().startswith("The CPU trains on plain NumPy, several times slower: the fused CPU "
                                         "kernels were not built: reinstall with a C compiler.")  # fmt: skip
    assert NO_CUPY in picker.note.text()
