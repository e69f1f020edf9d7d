"""Data panel with user files, layer-output helpers, runs CSV, settings round trip."""

from __future__ import annotations

import h5py
import numpy as np

from app.training.data_panel import DataPanel
from app.training.inspect_panel import confusion_matrix, layer_output, tile_maps
from app.training.runs import RunRecord
from app.training.settings_form import SettingsForm
from engine.training.session import TrainingSettings
from engine.utils.io_utils import HDF5Matrix


def test_csv_file_with_target_column_and_table_preview(qtbot, tmp_path):
    panel = DataPanel()
    qtbot.addWidget(panel)
    path = tmp_path / "iris.csv"
    path.write_text("a,b,kind\n1,2,x\n3,4,y\n5,6,x\n", encoding="utf-8")
    with qtbot.waitSignal(panel.dataChanged) as changed:
        assert panel.open_file(path)
    data = changed.args[0]
    assert data.x.shape == (3, 2) and data.class_names == ["x", "y"]
    assert panel.target.currentText() == "kind" and not panel.target.isHidden()
    assert panel.preview.currentWidget() is panel.table and panel.table.rowCount() == 3
    assert panel.table.item(1, 2).text() == "y"
    panel.target.setCurrentText("a")
    panel._reload_file()
    assert panel.data.y.tolist() == [1, 3, 5]
    assert "3</b> samples" in panel.shapes.text()


def test_hdf5_file_is_streamed_with_chosen_datasets(qtbot, tmp_path):
    panel = DataPanel()
    qtbot.addWidget(panel)
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        f["images"] = np.random.default_rng(0).random((30, 8, 8)).astype("float32")
        f["labels"] = np.arange(30) % 10
    assert panel.open_file(path)
    panel.x_key.setCurrentText("images")
    panel.y_key.setCurrentText("labels")
    assert panel._reload_file()
    assert isinstance(panel.data.x, HDF5Matrix) and panel.data.samples == 30
    assert panel.preview.currentWidget() is panel.images and panel.image_grid.count() == 12


def test_bad_file_is_reported_in_place(qtbot, tmp_path):
    panel = DataPanel()
    qtbot.addWidget(panel)
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with qtbot.waitSignal(panel.dataChanged) as changed:
        assert not panel.open_file(path)
    assert changed.args[0] is None and "Cannot read" in panel.shapes.text()


def test_layer_output_and_feature_map_grid():
    from engine.layers import Conv2D, Dense, Flatten, Input
    from engine.models import Model

    inputs = Input((6, 6, 1))
    conv = Conv2D(5, 3, name="conv")(inputs)
    model = Model(inputs, Dense(2)(Flatten()(conv)))
    out = layer_output(model, "conv", np.ones((1, 6, 6, 1), "float32"))
    assert out.shape == (4, 4, 5)
    grid = tile_maps(out)
    assert grid.shape == (2 * 5 - 1, 3 * 5 - 1) and np.nanmax(grid) <= 1.0  # 5 maps: 2 rows of 3


def test_confusion_matrix_counts():
    matrix = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    assert matrix.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_run_csv_has_epochs_and_markers(tmp_path):
    run = RunRecord(1, "m", "d", {"batch_size": 32}, {"optimizer": "Adam", "learning_rate": 0.01},
                    history={"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]},
                    markers=[{"global_step": 3, "epoch": 0, "text": "learning rate → 0.001"}])  # fmt: skip
    run.write_csv(tmp_path / "r.csv")
    lines = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["epoch,loss,val_loss", "1,1.0,1.1", "2,0.5,0.7"]
    assert "learning rate → 0.001" in lines[3]
    assert "Adam, lr 0.01, batch 32" in run.summary() and run.best() == 0.7


def test_settings_form_round_trip(qtbot):
    form = SettingsForm()
    qtbot.addWidget(form)
    early = {"monitor": "val_loss", "patience": 4, "min_delta": 0.01, "restore_best_weights": False}
    settings = TrainingSettings(
        epochs=7,
        batch_size=16,
        validation_split=0.3,
        shuffle=False,
        seed=5,
        early_stopping=early,
        reduce_lr={"monitor": "loss", "factor": 0.2, "patience": 2, "min_lr": 1e-5},
        checkpoint={"folder": "ck", "save_best_only": True},
        inference_train_loss=True,
    )
    form.set_settings(settings)
    assert form.settings() == settings
    form.set_compile_args({"optimizer_config": {"class_name": "SGD", "config": {"learning_rate": 0.05,
                           "momentum": 0.9}}, "loss": "mse", "metrics": []})  # fmt: skip
    args = form.compile_args()
    assert args["optimizer"] == {"class_name": "SGD", "config": {"learning_rate": 0.05, "momentum": 0.9}}
    assert args["loss"] == "mse" and args["metrics"] == []
