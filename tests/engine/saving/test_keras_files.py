"""Files written by real Keras 3 and Keras 2 (tests/fixtures) open in the engine and predict the same."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from engine import layers, models
from engine.errors import ModelFileError
from tests.engine import keras_fixtures as kf
from tests.engine.host import assert_allclose, assert_array_equal, host

VARIANTS = ["adam", "rmsprop", "sgd", "sgd_nesterov"]
FULL_MODELS = [
    *[(n, f"{n}_x.npy", f"{n}_y.npy") for n in ("mlp", "cnn")],
    *[(f"{n}_trace_init", f"{n}_trace_x.npy", f"{n}_trace_init_y.npy") for n in ("mlp", "cnn")],
    *[(f"{n}_trace_{v}_final", f"{n}_trace_x.npy", f"{n}_trace_{v}_y.npy") for n in ("mlp", "cnn") for v in VARIANTS],
]


def _case_id(case):
    return case[0]


@pytest.mark.parametrize("version", kf.VERSIONS)
@pytest.mark.parametrize("case", FULL_MODELS, ids=_case_id)
def test_load_model_predicts_like_keras(version, case):
    name, x_file, y_file = case
    model = models.load_model(kf.path(version, f"{name}.h5"))
    x = np.load(kf.path(version, x_file))
    assert_allclose(model.predict(x), np.load(kf.path(version, y_file)), atol=1e-5, rtol=0)
    assert model.compiled


@pytest.mark.parametrize("version", kf.VERSIONS)
@pytest.mark.parametrize("name", ["mlp_trace_adam_final", "cnn_trace_sgd_nesterov_final", "mlp_trace_rmsprop_final"])
def test_load_model_restores_keras_optimizer_state(version, name):
    file = kf.path(version, f"{name}.h5")
    model = models.load_model(file)
    with h5py.File(file, "r") as handle:
        group = handle["optimizer_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        saved = [np.asarray(group[n]) for n in names]
    state = [host(v) for _, v in model.optimizer.variables()]
    assert int(state[0]) == int(saved[0]) == 12  # iteration
    slots_saved = saved[2:] if version == "keras" else saved[1:]  # Keras 2 stores no learning rate
    assert len(state[2:]) == len(slots_saved)
    for ours, theirs in zip(state[2:], slots_saved):
        assert_array_equal(ours, theirs)
    training_config = json.loads(h5py.File(file, "r").attrs["training_config"])
    lr = training_config["optimizer_config"]["config"]["learning_rate"]
    assert model.optimizer.learning_rate == pytest.approx(lr, rel=1e-6)


@pytest.mark.parametrize("version", kf.VERSIONS)
def test_resume_training_from_keras_file_matches_keras_trace(version):
    """Keras's init file + 3 epochs reproduces Keras's final weights (the saved compile config is used)."""
    trace = kf.load_json(version, "mlp_trace_fit.json")
    model = models.load_model(kf.path(version, "mlp_trace_init.h5"), compile=False)
    variant = trace["variants"]["adam"]
    optimizer = {"class_name": variant["optimizer_class"], "config": variant["optimizer_config"]}
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = np.load(kf.path(version, "mlp_trace_train_x.npy")), np.load(kf.path(version, "mlp_trace_train_y.npy"))
    model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    x_test = np.load(kf.path(version, "mlp_trace_x.npy"))
    assert_allclose(model.predict(x_test), np.load(kf.path(version, "mlp_trace_adam_y.npy")), atol=1e-5)


@pytest.mark.parametrize("version", kf.VERSIONS)
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_model_from_keras_json_and_weights_files(version, name):
    x, y = np.load(kf.path(version, f"{name}_x.npy")), np.load(kf.path(version, f"{name}_y.npy"))
    text = kf.path(version, f"{name}.json").read_text()
    weight_files = [f"{name}.weights.h5", f"{name}.h5"] + ([f"{name}_legacy_weights.h5"] if version == "keras2" else [])
    for weights in weight_files:
        model = models.model_from_json(text)
        model.load_weights(kf.path(version, weights))
        assert_allclose(model.predict(x), y, atol=1e-5, rtol=0, err_msg=weights)


@pytest.mark.parametrize("version", kf.VERSIONS)
def test_keras_file_by_name_into_a_different_model(version):
    model = models.Sequential(
        [
            layers.Input(shape=(20,)),
            layers.Dense(32, activation="relu", name="dense"),
            layers.BatchNormalization(name="batch_normalization"),
            layers.Dense(7, name="new_dense"),
        ]
    )
    fresh_head = model.get_layer("new_dense").get_weights()
    model.load_weights(kf.path(version, "mlp.h5"), by_name=True)
    with h5py.File(kf.path(version, "mlp.h5"), "r") as handle:
        group = handle["model_weights"]["dense"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        assert_array_equal(model.get_layer("dense").get_weights()[0], np.asarray(group[names[0]]))
    for before, after in zip(fresh_head, model.get_layer("new_dense").get_weights()):
        assert_array_equal(before, after)


def test_weights_only_file_is_not_a_model():
    with pytest.raises(ModelFileError, match="load_weights"):
        models.load_model(kf.path("keras", "mlp.weights.h5"))
    with pytest.raises(ModelFileError, match="no model_config"):
        models.load_model(kf.path("keras2", "mlp_legacy_weights.h5"))


LAYER_FIXTURES = ["k_conv_variants", "k_recurrent", "k_wrappers", "k_activations"]


@pytest.mark.parametrize("name", LAYER_FIXTURES)
def test_keras3_files_for_more_layer_types(name, tmp_path):
    folder = kf.FIXTURES / "keras3_layers"
    data = np.load(folder / f"{name}_io.npz")
    model = models.load_model(folder / f"{name}.h5")
    # rtol: one float32 step (eps 1.2e-7) for large outputs (186.7 has a 1.5e-5 step, over atol); GPU kernels round so
    assert_allclose(model.predict(data["x"]), data["y"], atol=1e-5, rtol=1.2e-7)
    rng = np.random.default_rng(5)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.load_weights(folder / f"{name}.weights.h5")
    assert_allclose(model.predict(data["x"]), data["y"], atol=1e-5, rtol=1.2e-7)
    model.save(tmp_path / "again.h5")  # and back through Strata's own files
    model.save_weights(tmp_path / "again.weights.h5")
    again = models.load_model(tmp_path / "again.h5")
    again.load_weights(tmp_path / "again.weights.h5")
    assert_allclose(again.predict(data["x"]), data["y"], atol=1e-5, rtol=1.2e-7)  # the same float32 step as above


def test_keras3_dot_keras_files():
    folder = kf.FIXTURES / "keras3_layers"
    model = models.load_model(folder / "mlp.keras")  # Keras 3 re-saved keras/mlp.h5 as .keras
    x = np.load(kf.path("keras", "mlp_x.npy"))
    assert_allclose(model.predict(x), np.load(kf.path("keras", "mlp_y.npy")), atol=1e-5, rtol=0)
    assert model.compiled and model.optimizer.iterations == 8
    data = np.load(folder / "siamese_keras_io.npz")
    siamese = models.load_model(folder / "siamese.keras")
    assert_allclose(siamese.predict([data["xa"], data["xb"]]), data["y"], atol=1e-5, rtol=0)
    assert siamese._loss_container.losses[0].get_config()["label_smoothing"] == 0.1
    assert not models.load_model(folder / "siamese.keras", compile=False).compiled


def test_damaged_dot_keras_file(tmp_path):
    data = (kf.FIXTURES / "keras3_layers" / "mlp.keras").read_bytes()
    for index, damaged in enumerate([data[: len(data) // 2], data[:100], data.replace(b"config.json", b"cunfig.json")]):
        path = tmp_path / f"d{index}.keras"
        path.write_bytes(damaged)
        with pytest.raises(ModelFileError, match=f"d{index}.keras"):
            models.load_model(path)
