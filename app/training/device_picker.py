"""The training device picker: the CPU, each GPU (name, total and free memory), or all GPUs in data parallel.

A compact combo box with a rescan button and one line of detail under it. Where no GPU can be
offered (CuPy missing, no driver, no device, or the engine running on NumPy) the CPU stays
selectable and the line says exactly why and what to do. The choice is the ``devices`` list of
:class:`engine.training.session.TrainingSettings`: ``[]`` is the CPU (the engine's default device).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStylePainter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import backend as engine_backend
from engine.backend import config as engine_config
from engine.backend import devices as engine_devices

GiB = 1024**3
ROLE = Qt.ItemDataRole.UserRole
DISABLED_TEXT = "#7d8694"  # readable on both themes' popups


def backend_name() -> str:
    """The engine's array backend ('numpy' or 'cupy'): GPUs need CuPy."""
    return engine_backend.backend()


def gib(value: int | None) -> str:
    return "?" if value is None else f"{value / GiB:.1f} GiB"


def gpu_label(info: engine_devices.DeviceInfo) -> str:
    """'GPU 0 · NVIDIA H100 80GB HBM3 · 78.2 of 79.2 GiB free'."""
    free = "?" if info.memory_free is None else f"{info.memory_free / GiB:.1f}"
    return f"GPU {info.index} · {info.description} · {free} of {gib(info.memory_total)} free"


def no_gpu_advice(reason: str) -> str:
    """Why no GPU is offered, and what to do about it."""
    if not reason:
        return ""
    text = reason.rstrip()
    if "driver" in text.lower():
        text += " Install (or update) the NVIDIA driver so that nvidia-smi lists the GPU, then restart Strata."
    elif "No CUDA device" in text:
        text += " Check nvidia-smi and CUDA_VISIBLE_DEVICES, then restart Strata."
    elif "could not be imported" in text:
        text += ' Reinstall CuPy for your CUDA version (pip install -e ".[gpu]"), then restart Strata.'
    return "No GPU — " + text


class _ElidingCombo(QComboBox):
    """A combo box whose closed text ends in '…' when it does not fit (GPU names and memory are long)."""

    def paintEvent(self, _event: Any) -> None:  # noqa: N802 - Qt override
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = self.fontMetrics().elidedText(option.currentText, Qt.TextElideMode.ElideRight,
                                                           field.width() - 4)  # fmt: skip
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class _RowDelegate(QStyledItemDelegate):
    """Popup rows that honour the items' enabled state and colour, as tall as the app's other menus."""

    def sizeHint(self, option: Any, index: Any) -> QSize:  # noqa: N802 - Qt override
        size = super().sizeHint(option, index)
        return QSize(size.width() + 12, max(size.height(), 24))

    def paint(self, painter: Any, option: Any, index: Any) -> None:
        option.rect.adjust(6, 0, 0, 0)
        super().paint(painter, option, index)


class DevicePicker(QWidget):
    """Pick the CPU, one GPU, or all GPUs (data parallel); ``changed`` fires when the choice changes."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = _ElidingCombo()
        self.combo.setItemDelegate(_RowDelegate(self.combo))  # draws unavailable GPUs greyed out
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(14)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.rescan = QToolButton()
        self.rescan.setText("⟳")
        self.rescan.setToolTip("Look for GPUs again (and refresh their free memory)")
        self.note = QLabel("")
        self.note.setObjectName("FormSubtitle")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.combo, 1)
        row.addWidget(self.rescan)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.note)
        self.gpus: list[engine_devices.DeviceInfo] = []
        self.reason = ""
        self.missing: list[str] = []  # a restored choice this machine cannot run
        self.combo.currentIndexChanged.connect(self._selection_changed)
        self.rescan.clicked.connect(self.refresh)
        self.refresh()

    # -- the list --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """List the devices again, keeping the current choice when it still exists."""
        chosen = self.devices() if self.combo.count() else []
        count, reason = engine_devices.gpu_status()
        infos = engine_devices.list_devices()
        self.gpus = [d for d in infos if d.device_type == "GPU"] if count else []
        self.reason = reason if not self.gpus else ""
        self.gpu_ready = bool(self.gpus) and backend_name() == "cupy"
        self.combo.blockSignals(True)
        self.combo.clear()
        cpu = next((d for d in infos if d.device_type == "CPU"), None)
        self._add("CPU", [] if backend_name() != "cupy" else ["/cpu:0"], _cpu_tip(cpu), True)
        for info in self.gpus:
            self._add(gpu_label(info), [info.name], gpu_label(info), self.gpu_ready)
        if len(self.gpus) > 1:
            names = [g.name for g in self.gpus]
            self._add(f"All {len(names)} GPUs (data parallel)", names, self._parallel_tip(names), self.gpu_ready)
        self.combo.view().setMinimumWidth(self.combo.view().sizeHintForColumn(0) + 24)
        self.combo.blockSignals(False)
        self.set_devices(chosen, quiet=True)

    def _add(self, text: str, names: list[str], tip: str, enabled: bool) -> None:
        self.combo.addItem(text, list(names))
        index = self.combo.count() - 1
        self.combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        model = self.combo.model()
        if isinstance(model, QStandardItemModel) and not enabled:
            model.item(index).setEnabled(False)
            model.item(index).setForeground(QColor(DISABLED_TEXT))

    def _parallel_tip(self, names: list[str]) -> str:
        return (f"Data parallelism over {', '.join(names)}: each batch is split evenly between the GPUs and the "
                "weights stay identical on all of them. The batch size is the total over the GPUs. Saving saves "
                "the plain model, which opens anywhere.")  # fmt: skip

    # -- the choice --------------------------------------------------------------------------------
    def devices(self) -> list[str]:
        """The chosen ``TrainingSettings.devices``."""
        data = self.combo.currentData(ROLE)
        return list(data) if data else []

    def set_devices(self, names: list[str] | None, quiet: bool = False) -> None:
        """Select a saved choice; one this machine cannot run falls back to the CPU and says so."""
        names = [engine_devices.parse(n).name if _parses(n) else str(n) for n in names or []]
        if not names and backend_name() == "cupy" and self.gpu_ready:
            names = [engine_devices.current_device().name]  # the engine's default device under CuPy
        index = self._find(names)
        self.missing = []
        if index < 0 and len(names) > 1 and self.gpu_ready and all(n in {g.name for g in self.gpus} for n in names):
            ids = ", ".join(n.split(":")[-1] for n in names)
            self._add(f"GPUs {ids} (data parallel)", names, self._parallel_tip(names), True)
            index = self.combo.count() - 1
        if index < 0:
            self.missing = [n for n in names if n not in ("/cpu:0",)]
            index = 0
        previous = self.combo.currentIndex()
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
        self._show_note()
        if not quiet and previous != index:
            self.changed.emit()

    def _find(self, names: list[str]) -> int:
        for index in range(self.combo.count()):
            data = list(self.combo.itemData(index, ROLE) or [])
            enabled = self._enabled(index)
            if enabled and (data == names or (not names and data == ["/cpu:0"]) or (names == ["/cpu:0"] and not data)):
                return index
        return -1

    def _enabled(self, index: int) -> bool:
        model = self.combo.model()
        return not isinstance(model, QStandardItemModel) or model.item(index).isEnabled()

    def _selection_changed(self, _index: int) -> None:
        self.missing = []
        self._show_note()
        self.changed.emit()

    def _show_note(self) -> None:
        lines = []
        if self.missing:
            lines.append(f"The saved choice ({', '.join(self.missing)}) is not available here: training runs on the "
                         "CPU.")  # fmt: skip
        chosen = self.devices()
        gpus = [g for g in self.gpus if g.name in chosen]
        if len(gpus) == 1:
            g = gpus[0]
            lines.append(f"{g.description}: {gib(g.memory_total)} total, {gib(g.memory_free)} free.")
        elif len(gpus) > 1:
            lines.append(f"Each batch is split over {len(gpus)} GPUs; the saved model stays the plain one.")
        kernels_missing = engine_devices.cpu_kernels_missing_reason()
        if kernels_missing and not gpus:
            lines.append(f"The CPU trains on plain NumPy, several times slower: {kernels_missing}.")
        if self.reason:
            lines.append(no_gpu_advice(self.reason))
        elif self.gpus and not self.gpu_ready:
            lines.append(
                f'{len(self.gpus)} GPU(s) found, but the engine runs on NumPy: set "backend": "auto" in '
                f"{engine_config.config_path()} (or STRATA_BACKEND=cupy) and restart Strata to train on a GPU."
            )
        self.note.setText(" ".join(lines))
        self.note.setVisible(bool(lines))
        self.combo.setToolTip(self.combo.itemData(self.combo.currentIndex(), Qt.ItemDataRole.ToolTipRole) or "")


def _parses(name: Any) -> bool:
    try:
        engine_devices.parse(name)
    except Exception:  # noqa: BLE001 - an unknown name is shown as missing
        return False
    return True


def _cpu_tip(info: engine_devices.DeviceInfo | None) -> str:
    if info is None:
        return "CPU"
    memory = f" · {gib(info.memory_free)} of {gib(info.memory_total)} RAM free" if info.memory_total else ""
    return f"CPU · {info.description}{memory}"
