"""The training settings form: compile settings (optimizer, learning rate, loss, metrics) and fit settings."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.training.device_picker import DevicePicker
from engine.training.session import TrainingSettings

OPTIMIZERS = ["Adam", "SGD", "RMSprop", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam"]
LOSSES = [
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
    "binary_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
]
MONITORS = ["val_loss", "loss", "val_accuracy", "accuracy"]
INFERENCE_TIP = (
    "Re-evaluates the whole training set at each epoch end in inference mode (no dropout, no noise).\n"
    "The running training loss is averaged over the epoch while the model changes, with dropout on and\n"
    "regularization included, so it is usually higher than the loss of the finished epoch's model;\n"
    "that is why a validation loss can sit below the training loss (Keras FAQ)."
)


def _spin(low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    return box


def _dspin(low: float, high: float, value: float, decimals: int = 4, step: float = 0.01) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    return box


class SettingsForm(QWidget):
    """Every training setting in one form; ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.learning_rate = _dspin(1e-6, 10.0, 0.001, decimals=6, step=0.0005)
        self.momentum = _dspin(0.0, 0.999, 0.0, decimals=3)
        self.loss = QComboBox()
        self.loss.addItems(LOSSES)
        self.accuracy = QCheckBox("accuracy")
        self.accuracy.setChecked(True)
        self.epochs = _spin(1, 100_000, 10)
        self.batch_size = _spin(1, 1_000_000, 32)
        self.validation_split = _dspin(0.0, 0.9, 0.2, decimals=2, step=0.05)
        self.shuffle = QCheckBox("Shuffle each epoch")
        self.shuffle.setChecked(True)
        self.seed = _spin(-1, 2**31 - 1, -1)
        self.seed.setSpecialValueText("random")
        self.inference_loss = QCheckBox("Train loss in inference mode")
        self.inference_loss.setToolTip(INFERENCE_TIP)
        self.reset_states = QCheckBox("Reset states every epoch")
        self.device = DevicePicker()
        self.stateful_note = QLabel("")
        self.stateful_note.setWordWrap(True)
        self.stateful_note.setObjectName("FormSubtitle")
        self.stateful_note.hide()

        self.early = QGroupBox("Early stopping")
        self.early.setCheckable(True)
        self.early.setChecked(False)
        self.early_monitor = QComboBox()
        self.early_monitor.addItems(MONITORS)
        self.early_patience = _spin(0, 10_000, 5)
        self.early_delta = _dspin(0.0, 100.0, 0.0, decimals=5, step=0.001)
        self.early_restore = QCheckBox("Restore best weights")
        self.early_restore.setChecked(True)
        form = QFormLayout(self.early)
        form.addRow("Monitor", self.early_monitor)
        form.addRow("Patience", self.early_patience)
        form.addRow("Min delta", self.early_delta)
        form.addRow(self.early_restore)

        self.checkpoint = QGroupBox("Checkpoints")
        self.checkpoint.setCheckable(True)
        self.checkpoint.setChecked(False)
        self.checkpoint_folder = QLineEdit("checkpoints")
        browse = QPushButton("…")
        browse.setFixedWidth(28)
        browse.clicked.connect(self._browse)
        self.checkpoint_best = QCheckBox("Best only")
        self.checkpoint_best.setChecked(True)
        row = QHBoxLayout()
        row.addWidget(self.checkpoint_folder, 1)
        row.addWidget(browse)
        form = QFormLayout(self.checkpoint)
        form.addRow("Folder", row)
        form.addRow(self.checkpoint_best)

        self.plateau = QGroupBox("Reduce LR on plateau")
        self.plateau.setCheckable(True)
        self.plateau.setChecked(False)
        self.plateau_monitor = QComboBox()
        self.plateau_monitor.addItems(MONITORS)
        self.plateau_factor = _dspin(0.01, 0.99, 0.5, decimals=2, step=0.05)
        self.plateau_patience = _spin(0, 10_000, 3)
        self.plateau_min_lr = _dspin(0.0, 1.0, 1e-6, decimals=7, step=1e-6)
        form = QFormLayout(self.plateau)
        form.addRow("Monitor", self.plateau_monitor)
        form.addRow("Factor", self.plateau_factor)
        form.addRow("Patience", self.plateau_patience)
        form.addRow("Min LR", self.plateau_min_lr)

        main = QFormLayout()
        main.addRow("Optimizer", self.optimizer)
        main.addRow("Learning rate", self.learning_rate)
        main.addRow("Momentum", self.momentum)
        main.addRow("Loss", self.loss)
        main.addRow("Metrics", self.accuracy)
        main.addRow("Epochs", self.epochs)
        main.addRow("Batch size", self.batch_size)
        main.addRow("Validation split", self.validation_split)
        main.addRow("Seed", self.seed)
        main.addRow("Device", self.device)
        main.addRow(self.shuffle)
        main.addRow(self.inference_loss)
        main.addRow(self.reset_states)
        layout = QVBoxLayout(self)
        layout.addLayout(main)
        layout.addWidget(self.stateful_note)
        for group in (self.early, self.plateau, self.checkpoint):
            layout.addWidget(group)
        layout.addStretch(1)
        self.validation_split.setToolTip("The last fraction of the samples, taken before shuffling (as Keras does).")
        self.optimizer.currentTextChanged.connect(self._optimizer_changed)
        self._optimizer_changed()
        self.device.changed.connect(self.changed)
        for widget in self.findChildren(QWidget):
            if self.device.isAncestorOf(widget):
                continue  # the picker says itself when its choice changes
            for name in ("valueChanged", "currentIndexChanged", "toggled", "textChanged"):
                signal = getattr(widget, name, None)
                if signal is not None and hasattr(signal, "connect"):
                    signal.connect(self.changed)
                    break

    def _optimizer_changed(self) -> None:
        has_momentum = self.optimizer.currentText() in ("SGD", "RMSprop")
        self.momentum.setEnabled(has_momentum)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Checkpoint folder", self.checkpoint_folder.text())
        if folder:
            self.checkpoint_folder.setText(folder)

    # -- stateful models -----------------------------------------------------------------------
    def set_stateful(self, batch_size: int | None) -> None:
        """Stateful models train with their fixed batch size and without shuffling; say why."""
        stateful = batch_size is not None
        self.batch_size.setEnabled(not stateful)
        self.shuffle.setEnabled(not stateful)
        self.reset_states.setEnabled(stateful)
        self.stateful_note.setVisible(stateful)
        if stateful:
            self.batch_size.setValue(batch_size)
            self.shuffle.setChecked(False)
            self.stateful_note.setText(
                f"This model is stateful: each batch continues the sequences of the previous one, so it trains with "
                f"its fixed batch size ({batch_size}) and without shuffling."
            )

    # -- reading and writing -------------------------------------------------------------------
    def settings(self) -> TrainingSettings:
        early = None
        if self.early.isChecked():
            early = {
                "monitor": self.early_monitor.currentText(),
                "patience": self.early_patience.value(),
                "min_delta": self.early_delta.value(),
                "restore_best_weights": self.early_restore.isChecked(),
            }
        checkpoint = None
        if self.checkpoint.isChecked():
            checkpoint = {"folder": self.checkpoint_folder.text() or "checkpoints",
                          "save_best_only": self.checkpoint_best.isChecked()}  # fmt: skip
        plateau = None
        if self.plateau.isChecked():
            plateau = {"monitor": self.plateau_monitor.currentText(), "factor": self.plateau_factor.value(),
                       "patience": self.plateau_patience.value(), "min_lr": self.plateau_min_lr.value()}  # fmt: skip
        return TrainingSettings(
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            validation_split=self.validation_split.value(),
            shuffle=self.shuffle.isChecked(),
            seed=None if self.seed.value() < 0 else self.seed.value(),
            early_stopping=early,
            checkpoint=checkpoint,
            reduce_lr=plateau,
            reset_states_every_epoch=self.reset_states.isChecked() and self.reset_states.isEnabled(),
            inference_train_loss=self.inference_loss.isChecked(),
            devices=self.device.devices(),
        )

    def set_settings(self, settings: TrainingSettings) -> None:
        self.epochs.setValue(settings.epochs)
        if settings.batch_size:
            self.batch_size.setValue(settings.batch_size)
        self.validation_split.setValue(settings.validation_split)
        self.shuffle.setChecked(settings.shuffle)
        self.seed.setValue(-1 if settings.seed is None else settings.seed)
        self.inference_loss.setChecked(settings.inference_train_loss)
        self.reset_states.setChecked(settings.reset_states_every_epoch)
        self.device.set_devices(settings.devices)
        self.early.setChecked(bool(settings.early_stopping))
        if settings.early_stopping:
            e = settings.early_stopping
            self.early_monitor.setCurrentText(e.get("monitor", "val_loss"))
            self.early_patience.setValue(int(e.get("patience", 0)))
            self.early_delta.setValue(float(e.get("min_delta", 0.0)))
            self.early_restore.setChecked(bool(e.get("restore_best_weights", False)))
        self.checkpoint.setChecked(bool(settings.checkpoint))
        if settings.checkpoint:
            self.checkpoint_folder.setText(str(settings.checkpoint.get("folder", "checkpoints")))
            self.checkpoint_best.setChecked(bool(settings.checkpoint.get("save_best_only", True)))
        self.plateau.setChecked(bool(settings.reduce_lr))
        if settings.reduce_lr:
            p = settings.reduce_lr
            self.plateau_monitor.setCurrentText(p.get("monitor", "val_loss"))
            self.plateau_factor.setValue(float(p.get("factor", 0.1)))
            self.plateau_patience.setValue(int(p.get("patience", 10)))
            self.plateau_min_lr.setValue(float(p.get("min_lr", 0.0)))

    def compile_args(self) -> dict[str, Any]:
        """``optimizer`` (a config dict), ``loss`` and ``metrics`` for ``model.compile``."""
        config: dict[str, Any] = {"learning_rate": self.learning_rate.value()}
        if self.momentum.isEnabled():
            config["momentum"] = self.momentum.value()
        return {
            "optimizer": {"class_name": self.optimizer.currentText(), "config": config},
            "loss": self.loss.currentText(),
            "metrics": ["accuracy"] if self.accuracy.isChecked() else [],
        }

    def set_compile_args(self, training_config: dict[str, Any] | None) -> None:
        """Show a stored Keras ``training_config`` (optimizer, learning rate, loss, metrics)."""
        if not training_config:
            return
        optimizer = training_config.get("optimizer_config") or {}
        name = str(optimizer.get("class_name", "")).split(">")[-1]
        if name in OPTIMIZERS:
            self.optimizer.setCurrentText(name)
        config = optimizer.get("config", {})
        if isinstance(config.get("learning_rate"), int | float):
            self.learning_rate.setValue(float(config["learning_rate"]))
        if isinstance(config.get("momentum"), int | float):
            self.momentum.setValue(float(config["momentum"]))
        loss = training_config.get("loss")
        if isinstance(loss, str):
            if loss not in LOSSES:
                self.loss.addItem(loss)
            self.loss.setCurrentText(loss)
        metrics = training_config.get("metrics") or []
        flat = [m for group in metrics for m in (group if isinstance(group, list) else [group])]
        self.accuracy.setChecked(any(m in ("accuracy", "acc") for m in flat if isinstance(m, str)))
