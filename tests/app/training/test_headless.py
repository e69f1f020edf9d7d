"""strata-train: trains a saved model with its own compile settings; clear one-line errors."""

from __future__ import annotations

import csv
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import h5py
import numpy as np
import pytest

from app.headless import format_seconds, main
from app.training.persistence import read_training_extras, write_training_extras
from engine.datasets import load_digits
from engine.layers import Dense, Flatten, Input
from engine.models import Model, load_model
from engine.training.session import TrainingSettings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def files(tmp_path):
    inputs = Input((8, 8), name="pixels")
    outputs = Dense(10, activation="softmax", name="digit")(Dense(16, activation="relu")(Flatten()(inputs)))
    model = Model(inputs, outputs, name="digits")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "m.h5")
    (x, y), _ = load_digits()
    np.savez(tmp_path / "d.npz", x=x[:400], y=y[:400])
    return tmp_path


def test_trains_and_writes_model_and_history(files, capsys):
    rc = main([str(files / "m.h5"), "--data", str(files / "d.npz"), "--epochs", "3", "--batch-size", "50",
               "--validation-split", "0.25", "--seed", "4"])  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0
    assert "Epoch 3/3" in out and "ETA" in out and "Wrote" in out
    trained = files / "m_trained.h5"
    model = load_model(trained)
    assert model.compiled and model.optimizer.iterations == 3 * 6
    with (files / "m_trained_history.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 and {"epoch", "loss", "val_loss", "accuracy"} <= set(rows[0])
    settings, history = read_training_extras(trained)
    assert settings.epochs == 3 and settings.seed == 4 and len(history["loss"]) == 3


def test_same_seed_same_result(files):
    for name in ("a", "b"):
        out = ["--output", str(files / f"{name}.h5"), "--history", str(files / f"{name}.csv"), "--quiet"]
        assert main([str(files / "m.h5"), "--data", str(files / "d.npz"), "--epochs", "2", "--seed", "1", *out]) == 0
    for wa, wb in zip(load_model(files / "a.h5").get_weights(), load_model(files / "b.h5").get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert (files / "a.csv").read_text() == (files / "b.csv").read_text()


def test_stored_settings_are_used(files, capsys):
    write_training_extras(files / "m.h5", TrainingSettings(epochs=2, batch_size=100))
    assert main([str(files / "m.h5"), "--data", str(files / "d.npz")]) == 0
    assert "Epoch 2/2" in capsys.readouterr().out
    assert load_model(files / "m_trained.h5").optimizer.iterations == 2 * 4


def test_hdf5_data_with_dataset_names(files):
    (x, y), _ = load_digits()
    with h5py.File(files / "d.h5", "w") as f:
        f["images"], f["labels"] = x[:200], y[:200]
    rc = main([str(files / "m.h5"), "--data", str(files / "d.h5"), "--x-dataset", "images", "--y-dataset",
               "labels", "--epochs", "1", "--quiet"])  # fmt: skip
    assert rc == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--epochs", "0"], 2, "--epochs: expected a positive integer, got 0"),
        (["--validation-split", "1.5"], 2, "expected a number in [0, 1)"),
        (["--seed", "x"], 2, "expected a non-negative integer"),
        (["--data", "missing.npz"], 1, "No such data file"),
    ],
)
def test_bad_arguments_give_one_line(files, capsys, args, code, message):
    argv = [str(files / "m.h5"), "--data", str(files / "d.npz"), *args]
    with pytest.raises(SystemExit) if code == 2 else nullcontext():
        rc = main(argv)
        assert rc == code
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_model_problems_give_one_line(files, capsys):
    (files / "bad.h5").write_bytes(b"not hdf5")
    assert main([str(files / "bad.h5"), "--data", str(files / "d.npz")]) == 1
    assert "cannot open the model" in capsys.readouterr().err
    inputs = Input((8, 8))
    Model(inputs, Dense(10)(Flatten()(inputs))).save(files / "raw.h5")
    assert main([str(files / "raw.h5"), "--data", str(files / "d.npz")]) == 1
    assert "no compile settings" in capsys.readouterr().err
    np.savez(files / "wrong.npz", x=np.zeros((10, 5)), y=np.zeros(10))
    assert main([str(files / "m.h5"), "--data", str(files / "wrong.npz")]) == 1
    err = capsys.readouterr().err
    assert "expects samples of shape (8, 8)" in err and len(err.strip().splitlines()) == 1


def test_runs_as_a_module(files):
    proc = subprocess.run(
        [sys.executable, "-m", "app.headless", str(files / "m.h5"), "--data", str(files / "d.npz"), "--epochs", "1"],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Epoch 1/1" in proc.stdout


def test_format_seconds():
    assert format_seconds(5) == "0:05" and format_seconds(3725) == "1:02:05" and format_seconds(float("nan")) == "?"


def test_device_option_trains_on_the_cpu_and_is_saved(files, capsys):
    rc = main([str(files / "m.h5"), "--data", str(files / "d.npz"), "--epochs", "1", "--device", "cpu"])
    assert rc == 0
    assert "batches per epoch on CPU" in capsys.readouterr().out
    settings, _ = read_training_extras(files / "m_trained.h5")
    assert settings.devices == ["/cpu:0"]


@pytest.mark.parametrize(
    "device, message",
    [("gpu:7", "'/gpu:7' does not exist"), ("gpus", "no usable GPU")],
)
def test_a_device_this_machine_lacks_is_one_clear_line(files, capsys, monkeypatch, device, message):
    from engine.backend import devices

    monkeypatch.setattr(devices, "gpu_status", lambda: (0, "CuPy is not installed."))
    monkeypatch.setattr(devices, "gpu_count", lambda: 0)
    rc = main([str(files / "m.h5"), "--data", str(files / "d.npz"), "--device", device])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and message in err
    assert not (files / "m_trained.h5").exists()


def test_bad_device_syntax_is_a_usage_error(files, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(files / "m.h5"), "--data", str(files / "d.npz"), "--device", "tpu"])
    assert exit_info.value.code == 2 and "expected cpu, gpu" in capsys.readouterr().err


def test_a_saved_gpu_missing_here_falls_back_with_a_warning(files, capsys, monkeypatch):
    """A model set up on a GPU machine still trains on a laptop: the studio and strata-train open it anywhere."""
    from engine.backend import devices

    monkeypatch.setattr(devices, "gpu_count", lambda: 0)
    write_training_extras(files / "m.h5", TrainingSettings(epochs=1, batch_size=100, devices=["/gpu:1"]))
    assert main([str(files / "m.h5"), "--data", str(files / "d.npz")]) == 0
    captured = capsys.readouterr()
    assert "warning: the model was set to train on /gpu:1" in captured.err and "choose with --device" in captured.err
    assert "Epoch 1/1" in captured.out
