"""Saves are atomic; damaged or foreign files give ModelFileError naming the file, never a crash or a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

from engine import layers, models
from engine.errors import ModelFileError
from engine.saving.h5_utils import write_dataset


def _model():
    model = models.Sequential(
        [layers.Input(shape=(4,)), layers.Dense(3, activation="relu"), layers.BatchNormalization(), layers.Dense(2)]
    )
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 4), "float32"), np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    return model


X = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4)


@pytest.mark.parametrize("method", ["save", "save_weights_h5", "save_weights_v3"])
def test_failure_mid_save_keeps_the_old_file(tmp_path, monkeypatch, method):
    model = _model()
    path = tmp_path / ("m.weights.h5" if method == "save_weights_v3" else "m.h5")
    writer = {"save": model.save, "save_weights_h5": model.save_weights, "save_weights_v3": model.save_weights}[method]
    writer(path)
    before = path.read_bytes()
    calls = {"n": 0}
    original = h5py.Group.create_dataset

    def failing_create_dataset(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Group, "create_dataset", failing_create_dataset)
    model.get_layer(model.layers[0].name).set_weights([np.full((4, 3), 9.0, "float32"), np.ones(3, "float32")])
    with pytest.raises(OSError, match="No space"):
        writer(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left behind
    if method == "save":
        models.load_model(path).predict(X)


def test_killed_saving_process_leaves_old_file(tmp_path):
    """A process killed (os._exit) in the middle of writing the new file leaves the old one loadable."""
    model = _model()
    path = tmp_path / "m.h5"
    model.save(path)
    expected = model.predict(X)
    script = textwrap.dedent(
        f"""
        import os, h5py, numpy as np
        from engine import layers, models
        model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3), layers.BatchNormalization(),
                                   layers.Dense(2)])
        original = h5py.Group.create_dataset
        def die(self, *args, **kwargs):
            original(self, *args, **kwargs)
            os._exit(3)
        h5py.Group.create_dataset = die
        model.save({str(path)!r})
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    result = subprocess.run([sys.executable, "-c", script], check=False, env=env, capture_output=True, timeout=120)
    assert result.returncode == 3, result.stderr.decode()
    np.testing.assert_array_equal(models.load_model(path).predict(X), expected)


def test_random_bytes_and_truncation(tmp_path):
    (tmp_path / "noise.h5").write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ModelFileError, match="noise.h5"):
        models.load_model(tmp_path / "noise.h5")
    _model().save(tmp_path / "m.h5")
    data = (tmp_path / "m.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="cut.h5"):
        models.load_model(tmp_path / "cut.h5")
    with pytest.raises(ModelFileError, match="No such"):
        models.load_model(tmp_path / "missing.h5")


def test_hdf5_file_that_is_not_a_model(tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as handle:
        handle["data"] = np.arange(3)
    with pytest.raises(ModelFileError, match="other.h5.*no model_config"):
        models.load_model(tmp_path / "other.h5")
    with pytest.raises(ModelFileError, match="other.h5"):
        _model().load_weights(tmp_path / "other.h5")


def _edit_config(path, edit):
    with h5py.File(path, "r+") as handle:
        text = handle.attrs["model_config"]
        handle.attrs["model_config"] = edit(text)
        del handle.attrs["strata_config_crc32"]  # as if written by Keras: no checksum to catch it


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t[:-5], "not valid JSON"),
        (lambda t: json.dumps({"class_name": "Sequential"}), "class_name"),
        (lambda t: t.replace('"units": 3', '"units": "three"'), "units|Dense"),
        (lambda t: t.replace('"units": 3, ', ""), "units|Dense"),
        (lambda t: t.replace('"units": 3', '"units": 5'), "shape"),
        (lambda t: t.replace('"class_name": "Dense"', '"class_name": "Dnese"', 1), "Dnese"),
        (lambda t: json.dumps({"class_name": "Dense", "config": {"units": 2}}), "not a model"),
    ],
)
def test_bad_model_config(tmp_path, edit, message):
    _model().save(tmp_path / "m.h5")
    _edit_config(tmp_path / "m.h5", edit)
    with pytest.raises(ModelFileError, match=message) as info:
        models.load_model(tmp_path / "m.h5")
    assert "m.h5" in str(info.value)


def test_checksum_catches_silent_changes(tmp_path):
    _model().save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as handle:
        handle.attrs["model_config"] = handle.attrs["model_config"].replace('"epsilon": 0.001', '"epsilon": 0.002')
    with pytest.raises(ModelFileError, match="corrupted"):
        models.load_model(tmp_path / "m.h5")
    _model().save(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r+") as handle:
        name = next(iter(handle["model_weights"].attrs["layer_names"]))
        group = handle["model_weights"][name]
        dataset = group[group.attrs["weight_names"][0]]
        dataset[0, 0] = dataset[0, 0] + 1.0
    with pytest.raises(ModelFileError, match="corrupted"):
        models.load_model(tmp_path / "w.h5")


def test_weights_shapes_that_do_not_match_config(tmp_path):
    model = _model()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as handle:
        group = handle["model_weights"][model.layers[0].name]
        name = group.attrs["weight_names"][1]
        del group[name]
        write_dataset(group, name, np.zeros(7, "float32"))
    with pytest.raises(ModelFileError, match=r"m.h5.*\(3,\).*\(7,\)"):
        models.load_model(tmp_path / "m.h5")
