"""Weights-only files: both layouts, by_name (the Keras FAQ example), skip_mismatch, clear mismatch errors."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from engine import layers, models
from engine.errors import ModelFileError

FORMATS = ["w.h5", "w.weights.h5"]


def _model(units=3, head_name=None, seed_layer_names=("dense_a", "dense_b")):
    return models.Sequential(
        [
            layers.Input(shape=(4,)),
            layers.Dense(5, activation="relu", name=seed_layer_names[0]),
            layers.BatchNormalization(name="bn"),
            layers.Dense(units, name=head_name or seed_layer_names[1]),
        ]
    )


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


@pytest.mark.parametrize("name", FORMATS)
def test_save_and_load_weights_round_trip(tmp_path, name):
    source = _randomize(_model())
    source.save_weights(tmp_path / name)
    target = _model()
    target.load_weights(tmp_path / name)
    for a, b in zip(source.get_weights(), target.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_v3_layout_matches_keras(tmp_path):
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 3), "float32"), verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as handle:
        assert sorted(handle["layers"]) == ["batch_normalization", "dense", "dense_1"]
        assert handle["layers/dense/vars"].attrs["name"] == "dense_a"
        assert handle["layers/dense/vars/0"].shape == (4, 5)
        assert len(handle["optimizer/vars"]) == 2 + 2 * 6
        assert handle["vars"].attrs["name"] == model.name
    clone = _model()
    clone.compile(optimizer="adam", loss="mse")
    clone.load_weights(tmp_path / "w.weights.h5")  # the optimizer state comes along, as in Keras 3
    assert clone.optimizer.iterations == 1


@pytest.mark.parametrize("name", FORMATS)
def test_faq_by_name(tmp_path, name):
    """FAQ: a model with dense_1 and new_dense loads dense_1 only; new_dense keeps its weights."""
    old = models.Sequential(
        [layers.Input(shape=(784,)), layers.Dense(2, name="dense_1"), layers.Dense(3, name="dense_2")]
    )
    _randomize(old)
    old.save_weights(tmp_path / name)
    new = models.Sequential(
        [layers.Input(shape=(784,)), layers.Dense(2, name="dense_1"), layers.Dense(10, name="new_dense")]
    )
    untouched = new.get_layer("new_dense").get_weights()
    new.load_weights(tmp_path / name, by_name=True)
    for a, b in zip(old.get_layer("dense_1").get_weights(), new.get_layer("dense_1").get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(untouched, new.get_layer("new_dense").get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", FORMATS)
def test_mismatch_names_layer_and_shapes(tmp_path, name):
    _model(units=3).save_weights(tmp_path / name)
    target = _model(units=7)
    before = target.get_weights()
    with pytest.raises(ModelFileError, match=r"dense_b.*\(5, 3\)|\(5, 7\).*\(5, 3\)") as info:
        target.load_weights(tmp_path / name)
    assert str(tmp_path / name) in str(info.value) and "skip_mismatch" in str(info.value)
    for a, b in zip(before, target.get_weights()):  # nothing was half-loaded
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("by_name", [False, True])
def test_skip_mismatch_warns_and_loads_the_rest(tmp_path, name, by_name):
    source = _randomize(_model(units=3))
    source.save_weights(tmp_path / name)
    target = _model(units=7)
    head = target.get_layer("dense_b").get_weights()
    with pytest.warns(UserWarning, match="dense_b|Skipping"):
        target.load_weights(tmp_path / name, by_name=by_name, skip_mismatch=True)
    for a, b in zip(source.get_layer("dense_a").get_weights(), target.get_layer("dense_a").get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(head, target.get_layer("dense_b").get_weights()):
        np.testing.assert_array_equal(a, b)


def test_layer_count_mismatch_is_clear(tmp_path):
    _model().save_weights(tmp_path / "w.h5")
    small = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3, name="only")])
    with pytest.raises(ModelFileError, match="3 layers.*1 layers"):
        small.load_weights(tmp_path / "w.h5")


def test_load_weights_from_full_model_file(tmp_path):
    source = _randomize(_model())
    source.save(tmp_path / "m.h5")
    target = _model()
    target.load_weights(tmp_path / "m.h5")
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_nested_model_weights(tmp_path):
    inner = models.Sequential([layers.Input(shape=(3,)), layers.Dense(4, name="inner_dense")], name="inner")
    outer = models.Sequential([layers.Input(shape=(3,)), inner, layers.Dense(2, name="head")], name="outer")
    _randomize(outer)
    for name in FORMATS:
        outer.save_weights(tmp_path / name)
        inner2 = models.Sequential([layers.Input(shape=(3,)), layers.Dense(4, name="inner_dense")], name="inner")
        clone = models.Sequential([layers.Input(shape=(3,)), inner2, layers.Dense(2, name="head")], name="outer")
        clone.load_weights(tmp_path / name)
        for a, b in zip(outer.get_weights(), clone.get_weights()):
            np.testing.assert_array_equal(a, b)
    outer.save(tmp_path / "m.h5")
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(models.load_model(tmp_path / "m.h5").predict(x), outer.predict(x))
