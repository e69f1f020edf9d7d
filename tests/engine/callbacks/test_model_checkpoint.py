"""ModelCheckpoint: file names from templates, best-only decisions, .npz weights, batch frequency."""

from __future__ import annotations

import os

import numpy as np
import pytest

from engine.callbacks import ModelCheckpoint, load_weights_npz
from engine.errors import ConfigError, ModelFileError
from tests.engine.callbacks.fake_model import FakeModel, fit

LOSSES = [{"loss": 1.0, "val_loss": v} for v in (0.5, 0.4, 0.45, 0.3)]


def test_template_uses_one_based_epoch_and_logs(tmp_path):
    template = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5")
    model, _ = fit([ModelCheckpoint(template)], LOSSES)
    names = sorted(os.listdir(tmp_path))
    assert names == ["w.01-0.50.h5", "w.02-0.40.h5", "w.03-0.45.h5", "w.04-0.30.h5"]
    assert [kind for kind, _ in model.saved] == ["model"] * 4


def test_save_weights_only_calls_save_weights(tmp_path):
    model, _ = fit([ModelCheckpoint(str(tmp_path / "ck.weights.h5"), save_weights_only=True)], LOSSES[:2])
    assert model.saved == [("weights", str(tmp_path / "ck.weights.h5"))] * 2


def test_save_best_only_with_epoch_template(tmp_path):
    template = str(tmp_path / "best.{epoch}.h5")
    fit([ModelCheckpoint(template, save_best_only=True)], LOSSES)
    assert sorted(os.listdir(tmp_path)) == ["best.1.h5", "best.2.h5", "best.4.h5"]


def test_save_best_only_overwrites_single_file_with_best_weights(tmp_path):
    path = str(tmp_path / "best.npz")
    checkpoint = ModelCheckpoint(path, save_best_only=True)
    fit([checkpoint], [{"val_loss": v} for v in (0.5, 0.3, 0.4, 0.35)])
    weights = load_weights_npz(path)
    np.testing.assert_array_equal(weights[0], np.full((2, 3), 1.0))  # epoch 1 held the best val_loss
    assert checkpoint.best == 0.3
    assert os.listdir(tmp_path) == ["best.npz"]  # no temporary file left behind


def test_max_mode_and_initial_value_threshold(tmp_path):
    template = str(tmp_path / "acc.{epoch}.h5")
    logs = [{"val_accuracy": v} for v in (0.6, 0.8, 0.75, 0.9)]
    fit([ModelCheckpoint(template, monitor="val_accuracy", save_best_only=True, initial_value_threshold=0.7)], logs)
    assert sorted(os.listdir(tmp_path)) == ["acc.2.h5", "acc.4.h5"]


def test_explicit_min_mode_on_accuracy(tmp_path):
    template = str(tmp_path / "m.{epoch}.h5")
    logs = [{"val_accuracy": v} for v in (0.6, 0.8, 0.5)]
    fit([ModelCheckpoint(template, monitor="val_accuracy", mode="min", save_best_only=True)], logs)
    assert sorted(os.listdir(tmp_path)) == ["m.1.h5", "m.3.h5"]


def test_missing_monitor_saves_with_warning(tmp_path):
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        fit([ModelCheckpoint(str(tmp_path / "x.h5"), save_best_only=True)], [{"loss": 1.0}])
    assert os.path.exists(tmp_path / "x.h5")


def test_npz_round_trip_and_folder_creation(tmp_path):
    path = tmp_path / "deep" / "er" / "w.{epoch}.npz"
    model = FakeModel()
    fit([ModelCheckpoint(path)], [{"val_loss": 1.0}, {"val_loss": 2.0}], model=model)
    assert sorted(os.listdir(tmp_path / "deep" / "er")) == ["w.1.npz", "w.2.npz"]
    weights = load_weights_npz(tmp_path / "deep" / "er" / "w.2.npz")
    assert [w.shape for w in weights] == [(2, 3), (3,)]
    assert weights[0].dtype == np.float32
    np.testing.assert_array_equal(weights[1], np.full((3,), 1.0))
    assert model.saved == []  # .npz never goes through model.save


def test_npz_keeps_order_beyond_ten_arrays(tmp_path):
    model = FakeModel()
    model.weights = [np.full((1,), i, "float32") for i in range(12)]
    checkpoint = ModelCheckpoint(str(tmp_path / "w.npz"))
    checkpoint.set_model(model)
    checkpoint.on_train_begin()
    checkpoint.on_epoch_end(0, {})
    assert [float(w[0]) for w in load_weights_npz(tmp_path / "w.npz")] == list(range(12))


def test_npz_failure_leaves_old_checkpoint_intact(tmp_path):
    path = tmp_path / "w.npz"
    model = FakeModel()
    fit([ModelCheckpoint(path)], [{"val_loss": 1.0}], model=model)

    def broken():
        raise RuntimeError("boom")

    model.get_weights = broken
    checkpoint = ModelCheckpoint(path)
    checkpoint.set_model(model)
    with pytest.raises(RuntimeError, match="boom"):
        checkpoint.on_epoch_end(1, {})
    assert len(load_weights_npz(path)) == 2
    assert os.listdir(tmp_path) == ["w.npz"]


def test_integer_save_freq_counts_batches_across_epochs(tmp_path):
    template = str(tmp_path / "b.{epoch}-{batch}.h5")
    fit([ModelCheckpoint(template, save_freq=3)], [{"loss": 1.0}] * 3, steps=2)
    # 6 batches in all, one save every 3: after epoch 2's batch 1 and epoch 3's batch 2.
    assert sorted(os.listdir(tmp_path)) == ["b.2-1.h5", "b.3-2.h5"]


def test_unknown_template_field_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=r"'val_acc'.*available fields"):
        fit([ModelCheckpoint(str(tmp_path / "{val_acc:.2f}.h5"))], [{"loss": 1.0}])


def test_existing_directory_as_path_is_an_error(tmp_path):
    (tmp_path / "dir.h5").mkdir()
    with pytest.raises(ModelFileError, match="existing directory"):
        fit([ModelCheckpoint(str(tmp_path / "dir.h5"))], [{"loss": 1.0}])


def test_model_save_errors_propagate(tmp_path):
    model = FakeModel()

    def no_hdf5(filepath, overwrite=True):
        raise NotImplementedError("HDF5 saving is not available yet")

    model.save = no_hdf5
    with pytest.raises(NotImplementedError):
        fit([ModelCheckpoint(str(tmp_path / "m.h5"))], [{"loss": 1.0}], model=model)


def test_verbose_messages(tmp_path, capsys):
    fit([ModelCheckpoint(str(tmp_path / "b.npz"), save_best_only=True, verbose=1)], LOSSES[:3])
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 0.50000, saving model to" in out
    assert "Epoch 2: val_loss improved from 0.50000 to 0.40000" in out
    assert "Epoch 3: val_loss did not improve from 0.40000" in out


@pytest.mark.parametrize("kwargs", [{"save_freq": "batch"}, {"save_freq": 0}, {"mode": "up"}])
def test_invalid_arguments(tmp_path, kwargs):
    with pytest.raises(ConfigError, match="ModelCheckpoint"):
        ModelCheckpoint(str(tmp_path / "x.h5"), **kwargs)
