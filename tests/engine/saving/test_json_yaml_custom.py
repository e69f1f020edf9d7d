"""Architectures as JSON/YAML (safe YAML only) and user objects: custom_objects, scopes, registration."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import layers, models, ops, regularizers, utils
from engine.errors import ConfigError, ModelFileError
from engine.losses import Loss
from engine.saving.object_registration import get_custom_objects
from tests.engine import keras_fixtures as kf


def _model():
    inputs = layers.Input(shape=(5,), name="x")
    hidden = layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(2, activation="softmax", name="out")(layers.Dropout(0.1)(hidden))
    return models.Model(inputs, outputs, name="net")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_architecture_round_trip(fmt):
    model = _model()
    text = model.to_json(indent=2) if fmt == "json" else model.to_yaml()
    clone = models.model_from_json(text) if fmt == "json" else models.model_from_yaml(text)
    assert clone.get_config() == model.get_config()
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert not clone.compiled


def test_json_is_keras2_dialect():
    data = json.loads(_model().to_json())
    assert data["class_name"] == "Functional" and data["keras_version"].startswith("2.")
    assert "backend" in data


def test_hand_edited_yaml():
    text = _model().to_yaml().replace("units: 4", "units: 9")
    assert models.model_from_yaml(text).get_layer("hidden").units == 9


@pytest.mark.parametrize(
    "document",
    [
        "!!python/object/apply:os.system ['echo owned']",
        "class_name: Sequential\nconfig: !!python/object:collections.OrderedDict {}\n",
        "class_name: !!python/name:builtins.print ''\nconfig: {}\n",
    ],
)
def test_yaml_python_tags_are_rejected(document):
    with pytest.raises(ConfigError, match="safe loader"):
        models.model_from_yaml(document)


def test_bad_json_and_yaml_are_clear():
    with pytest.raises(ConfigError, match="not valid JSON"):
        models.model_from_json("{not json")
    with pytest.raises(ConfigError, match="class_name"):
        models.model_from_json("[1, 2]")
    with pytest.raises(ConfigError, match="not valid YAML"):
        models.model_from_yaml("a: [1, 2")


@pytest.mark.parametrize("version", kf.VERSIONS)
def test_model_from_keras_json(version):
    model = models.model_from_json(kf.path(version, "mlp.json").read_text())
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "batch_normalization", "dense_1"]


# -- custom objects ----------------------------------------------------------------------------
class AttentionLayer(layers.Layer):
    """A small custom layer: softmax-weighted features."""

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), "ones")
        self.built = True

    def call(self, inputs):
        return ops.multiply(inputs, ops.softmax(self.w * self.scale))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def scaled_mse(y_true, y_pred):
    return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1) * 2.0


def mean_pred(y_true, y_pred):
    return ops.mean(y_pred, axis=-1)


def _custom_model():
    model = models.Sequential(
        [layers.Input(shape=(3,)), AttentionLayer(scale=2.0, name="att"), layers.Dense(2, name="d")]
    )
    model.compile(optimizer="sgd", loss=scaled_mse, metrics=[mean_pred])
    return model


def _xy():
    rng = np.random.default_rng(3)
    return rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")


CUSTOM = {"AttentionLayer": AttentionLayer, "scaled_mse": scaled_mse, "mean_pred": mean_pred}


def test_custom_objects_argument_and_scope(tmp_path):
    model = _custom_model()
    x, y = _xy()
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "c.h5")
    with pytest.raises(ModelFileError, match="AttentionLayer.*custom_objects"):
        models.load_model(tmp_path / "c.h5")
    loaded = models.load_model(tmp_path / "c.h5", custom_objects=CUSTOM)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    with utils.CustomObjectScope(CUSTOM):
        scoped = models.load_model(tmp_path / "c.h5")
        from_json = models.model_from_json(model.to_json())
        from_yaml = models.model_from_yaml(model.to_yaml())
    np.testing.assert_array_equal(scoped.predict(x), model.predict(x))
    assert from_json.get_layer("att").scale == from_yaml.get_layer("att").scale == 2.0
    assert models.model_from_json(model.to_json(), custom_objects=CUSTOM).get_layer("att").scale == 2.0


def test_registered_layer_loss_metric_activation_regularizer(tmp_path):
    @utils.register_serializable(package="Test")
    class Gate(layers.Layer):
        def call(self, inputs):
            return ops.multiply(inputs, ops.sigmoid(inputs))

        def compute_output_shape(self, input_shape):
            return input_shape

    @utils.register_serializable(package="Test")
    def cube(x):
        return ops.multiply(x, ops.multiply(x, x))

    @utils.register_serializable(package="Test")
    class HalfL1(regularizers.Regularizer):
        def __init__(self, weight=0.5):
            self.weight = weight

        def __call__(self, x):
            return ops.sum(ops.abs(x)) * self.weight

        def get_config(self):
            return {"weight": self.weight}

    @utils.register_serializable(package="Test")
    class ScaledMSE(Loss):
        def call(self, y_true, y_pred):
            return scaled_mse(y_true, y_pred)

    @utils.register_serializable(package="Test")
    def max_pred(y_true, y_pred):
        return ops.max(y_pred, axis=-1)

    try:
        model = models.Sequential(
            [
                layers.Input(shape=(3,)),
                Gate(name="gate"),
                layers.Dense(2, activation=cube, kernel_regularizer=HalfL1(0.25), name="d"),
            ]
        )
        model.compile(optimizer="adam", loss=ScaledMSE(), metrics=[max_pred])
        x, y = _xy()
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
        model.save(tmp_path / "r.h5")
        loaded = models.load_model(tmp_path / "r.h5")
        np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
        assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
        dense = loaded.get_layer("d")
        assert dense.activation is cube and isinstance(dense.kernel_regularizer, HalfL1)
        assert dense.kernel_regularizer.weight == 0.25
    finally:
        for key in [k for k in get_custom_objects() if k.startswith("Test>")]:
            short = key.split(">", 1)[1]
            get_custom_objects().pop(key)
            get_custom_objects().pop(short, None)
