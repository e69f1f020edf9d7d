"""Whole-model files: exact round trips, resumed training, Keras's layout, uncompiled models, errors."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from engine import layers, losses, models, optimizers, regularizers, utils
from engine.backend import random as engine_random
from engine.errors import ConfigError, ModelFileError
from tests.engine.host import assert_array_equal


def _data(n=40, features=6, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = np.eye(classes, dtype="float32")[rng.integers(0, classes, n)]
    return x, y


def _mlp(optimizer="adam"):
    model = models.Sequential(
        [
            layers.Input(shape=(6,)),
            layers.Dense(8, activation="relu", kernel_regularizer=regularizers.L2(1e-3)),
            layers.Dropout(0.2),
            layers.BatchNormalization(),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _functional():
    a = layers.Input(shape=(6,), name="a")
    b = layers.Input(shape=(4,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    merged = layers.Concatenate(name="concat")([shared(a), layers.Dense(5, name="proj")(b)])
    out = layers.Dense(2, activation="softmax", name="out")(merged)
    model = models.Model([a, b], out, name="two_inputs")
    model.compile(optimizer=optimizers.SGD(0.05, momentum=0.9, nesterov=True), loss="categorical_crossentropy")
    return model


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "nadam", "adagrad", "adamax", "adadelta", "adamw"])
@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_save_load_fit_equals_one_run(tmp_path, optimizer, shuffle):
    """2 epochs + save + load + 1 epoch == 3 epochs, bit for bit (Dropout and shuffling included)."""
    x, y = _data()
    utils.set_random_seed(7)
    straight = _mlp(optimizer)
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=shuffle, verbose=0)

    utils.set_random_seed(7)
    first = _mlp(optimizer)
    first.fit(x, y, epochs=2, batch_size=8, shuffle=shuffle, verbose=0)
    first.save(tmp_path / "m.h5")
    resumed = models.load_model(tmp_path / "m.h5")
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=shuffle, verbose=0)

    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert_array_equal(a, b)
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 15
    for (_, a), (_, b) in zip(straight.optimizer.variables(), resumed.optimizer.variables(), strict=True):
        assert_array_equal(a, b)  # host copies of the device values


def test_loading_does_not_consume_random_numbers(tmp_path):
    model = _mlp()
    model.save(tmp_path / "m.h5")
    utils.set_random_seed(1)
    before = engine_random.generator().bit_generator.state
    models.load_model(tmp_path / "m.h5")
    models.model_from_json(model.to_json())
    models.model_from_yaml(model.to_yaml())
    assert engine_random.generator().bit_generator.state == before


def test_functional_model_round_trip(tmp_path):
    model = _functional()
    rng = np.random.default_rng(1)
    xa, xb = rng.normal(size=(10, 6)).astype("float32"), rng.normal(size=(10, 4)).astype("float32")
    y = np.eye(2, dtype="float32")[rng.integers(0, 2, 10)]
    model.fit([xa, xb], y, epochs=2, batch_size=5, verbose=0)
    model.save(tmp_path / "f.h5")
    loaded = models.load_model(tmp_path / "f.h5")
    assert type(loaded) is models.Model
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert_array_equal(loaded.predict([xa, xb]), model.predict([xa, xb]))
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    loaded.fit([xa, xb], y, epochs=1, batch_size=5, verbose=0, shuffle=False)
    model.fit([xa, xb], y, epochs=1, batch_size=5, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights(), strict=True):
        assert_array_equal(a, b)


def test_file_layout_is_keras_legacy_hdf5(tmp_path):
    model = _mlp()
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as handle:
        assert {"keras_version", "backend", "model_config", "training_config"} <= set(handle.attrs)
        config = json.loads(handle.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        first = config["config"]["layers"][0]
        assert first["class_name"] == "InputLayer" and first["config"]["batch_input_shape"] == [None, 6]
        assert config["config"]["layers"][1]["config"]["dtype"] == "float32"  # Keras 2 dialect
        training = json.loads(handle.attrs["training_config"])
        assert training["loss"] == "categorical_crossentropy" and training["metrics"] == ["accuracy"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        weights = handle["model_weights"]
        names = [layer.name for layer in model.layers]
        assert list(weights.attrs["layer_names"]) == names
        dense = weights[names[0]]
        assert list(dense.attrs["weight_names"]) == [f"{names[0]}/kernel:0", f"{names[0]}/bias:0"]
        assert dense[f"{names[0]}/kernel:0"].shape == (6, 8)
        assert weights[names[1]].attrs["weight_names"].shape == (0,)  # Dropout: empty float64 array
        assert "top_level_model_weights" in weights
        optimizer = handle["optimizer_weights"]
        opt_names = list(optimizer.attrs["weight_names"])
        assert opt_names[:2] == ["adam/iteration", "adam/learning_rate"]
        assert int(optimizer["adam/iteration"][()]) == 5
        assert len(opt_names) == 2 + 2 * len(model.trainable_weights)


def test_uncompiled_model_stays_uncompiled(tmp_path):
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    model.save(tmp_path / "u.h5")
    with h5py.File(tmp_path / "u.h5", "r") as handle:
        assert "training_config" not in handle.attrs and "optimizer_weights" not in handle
    loaded = models.load_model(tmp_path / "u.h5")
    assert not loaded.compiled
    x = np.ones((2, 3), "float32")
    assert_array_equal(loaded.predict(x), model.predict(x))


def test_include_optimizer_false_and_compile_false(tmp_path):
    model = _mlp()
    model.fit(*_data(), epochs=1, verbose=0)
    model.save(tmp_path / "a.h5", include_optimizer=False)
    assert not models.load_model(tmp_path / "a.h5").compiled
    model.save(tmp_path / "b.h5")
    assert not models.load_model(tmp_path / "b.h5", compile=False).compiled
    models.save_model(model, tmp_path / "c.h5")
    assert models.load_model(tmp_path / "c.h5").compiled


def test_compiled_never_trained_model(tmp_path):
    model = _mlp()
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    assert loaded.compiled and loaded.optimizer.iterations == 0
    loaded.fit(*_data(), epochs=1, verbose=0)


def test_loss_and_metric_objects_round_trip(tmp_path):
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(3)])
    model.compile(
        optimizer=optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
        loss=losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
        metrics=["accuracy", "mse"],
    )
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(12, 4)).astype("float32"), np.eye(3, dtype="float32")[rng.integers(0, 3, 12)]
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = models.load_model(tmp_path / "m.h5")
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=0, abs=0)
    assert loaded._loss_container.losses[0].get_config() == model._loss_container.losses[0].get_config()


def test_overwrite_false_refuses(tmp_path):
    model = _mlp()
    model.save(tmp_path / "m.h5")
    with pytest.raises(ModelFileError, match="overwrite=False"):
        model.save(tmp_path / "m.h5", overwrite=False)


def test_unbuilt_model_cannot_be_saved(tmp_path):
    model = models.Sequential([layers.Dense(2)])
    with pytest.raises(ModelFileError, match="not been built"):
        model.save(tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()


@pytest.mark.parametrize("build", [_mlp, _functional])
def test_keras_zip_round_trip(tmp_path, build):
    model = build()
    x = [np.ones((3, 6), "float32"), np.ones((3, 4), "float32")] if len(model.inputs) == 2 else np.ones((3, 6), "f4")
    y = np.eye(model.outputs[0].shape[-1], dtype="float32")[[0, 1, 0]]
    model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.optimizer.iterations == model.optimizer.iterations == 4
    for (_, a), (_, b) in zip(model.optimizer.variables(), loaded.optimizer.variables(), strict=True):
        assert_array_equal(a, b)  # host copies of the device values
    model.save(tmp_path / "u.keras", include_optimizer=False)
    assert not models.load_model(tmp_path / "u.keras").compiled


def test_bad_keras_zip(tmp_path):
    (tmp_path / "bad.keras").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="bad.keras.*zip"):
        models.load_model(tmp_path / "bad.keras")


def test_unknown_layer_class_names_class_and_custom_objects(tmp_path):
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as handle:
        config = json.loads(handle.attrs["model_config"])
        config["config"]["layers"][1]["class_name"] = "AttentionLayer"
        handle.attrs["model_config"] = json.dumps(config)
        del handle.attrs["strata_config_crc32"]
    with pytest.raises(ModelFileError, match="AttentionLayer.*custom_objects"):
        models.load_model(tmp_path / "m.h5")
    with pytest.raises(ConfigError, match="AttentionLayer.*custom_objects"):
        models.model_from_json(json.dumps(config))


def test_long_layer_names_are_chunked_like_keras(tmp_path):
    stack = [layers.Input(shape=(2,))] + [layers.Dense(2, name=f"dense_{i:03d}_" + "x" * 220) for i in range(300)]
    model = models.Sequential(stack)
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as handle:
        assert "layer_names" not in handle.attrs and "layer_names0" in handle.attrs and "layer_names1" in handle.attrs
    clone = models.Sequential([layers.Input(shape=(2,))] + [layers.Dense(2) for _ in range(300)])
    clone.load_weights(tmp_path / "w.h5")
    for a, b in zip(model.get_weights(), clone.get_weights()):
        assert_array_equal(a, b)


def test_learning_rate_schedule_resumes_exactly(tmp_path):
    x, y = _data()

    def make():
        schedule = optimizers.schedules.ExponentialDecay(0.01, decay_steps=3, decay_rate=0.5)
        return _mlp(optimizers.SGD(learning_rate=schedule, momentum=0.9))

    utils.set_random_seed(11)
    straight = make()
    straight.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    utils.set_random_seed(11)
    first = make()
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / "s.h5")
    resumed = models.load_model(tmp_path / "s.h5")
    assert isinstance(resumed.optimizer.get_config()["learning_rate"], dict)
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert_array_equal(a, b)


def test_weights_only_h5_is_keras2_layout(tmp_path):
    model = _mlp()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as handle:
        assert list(handle.attrs["layer_names"]) == [layer.name for layer in model.layers]
        assert "model_config" not in handle.attrs and "top_level_model_weights" in handle
