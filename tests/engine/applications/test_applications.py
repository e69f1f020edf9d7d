"""Keras's application architectures: published parameter counts, Keras's layer names, weights handling."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import applications
from engine.applications import imagenet_utils
from engine.backend import clear_session
from engine.errors import ConfigError

# The "Parameters" column of Keras's applications table (keras.io/api/applications).
PARAMETER_COUNTS = [
    ("VGG16", 138_357_544),
    ("VGG19", 143_667_240),
    ("ResNet50", 25_636_712),
    ("ResNet101", 44_707_176),
    ("ResNet152", 60_419_944),
    ("ResNet50V2", 25_613_800),
    ("ResNet101V2", 44_675_560),
    ("ResNet152V2", 60_380_648),
    ("InceptionV3", 23_851_784),
    ("InceptionResNetV2", 55_873_736),
    ("Xception", 22_910_480),
    ("MobileNet", 4_253_864),
    ("MobileNetV2", 3_538_984),
    ("DenseNet121", 8_062_504),
    ("DenseNet169", 14_307_880),
    ("DenseNet201", 20_242_984),
    ("NASNetMobile", 5_326_716),
    ("NASNetLarge", 88_949_818),
]


@pytest.mark.parametrize(("name", "count"), PARAMETER_COUNTS, ids=[n for n, _ in PARAMETER_COUNTS])
def test_published_parameter_count(name, count):
    clear_session()
    model = getattr(applications, name)(weights=None)
    assert model.count_params() == count
    assert model.output_shape == (None, 1000)


def test_keras_layer_names():
    clear_session()
    resnet = applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3))
    names = {layer.name for layer in resnet.layers}
    assert {"conv1_pad", "conv1_conv", "conv1_bn", "pool1_pool", "conv2_block1_0_conv", "conv5_block3_out"} <= names
    densenet = applications.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert {"conv1/conv", "conv1/bn", "pool2_conv", "conv5_block16_concat", "bn"} <= {l.name for l in densenet.layers}
    mobilenet = applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert {"Conv1", "bn_Conv1", "expanded_conv_depthwise", "block_16_project_BN", "out_relu"} <= {
        l.name for l in mobilenet.layers
    }
    inception = applications.InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
    assert {"mixed0", "mixed9_1", "mixed10", "conv2d"} <= {l.name for l in inception.layers}


@pytest.mark.parametrize(
    ("name", "shape", "pooling", "expected"),
    [
        ("VGG16", (32, 32, 3), "avg", (None, 512)),
        ("ResNet50", (64, 64, 3), None, (None, 2, 2, 2048)),
        ("MobileNet", (32, 32, 3), "max", (None, 1024)),
        ("Xception", (71, 71, 3), "avg", (None, 2048)),
        ("DenseNet121", (32, 32, 3), "avg", (None, 1024)),
    ],
)
def test_no_top_pooling_shapes(name, shape, pooling, expected):
    clear_session()
    model = getattr(applications, name)(weights=None, include_top=False, input_shape=shape, pooling=pooling)
    assert model.output_shape == expected


def test_forward_pass_small_models():
    clear_session()
    model = applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), classes=7)
    x = np.random.default_rng(0).uniform(0, 255, size=(2, 32, 32, 3)).astype("float32")
    out = model.predict(applications.mobilenet_v2.preprocess_input(x), verbose=0)
    assert out.shape == (2, 7)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    model = applications.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), classes=5)
    assert model.predict(x, verbose=0).shape == (2, 5)


def test_input_tensor_and_custom_classes():
    from engine import layers

    clear_session()
    inputs = layers.Input(shape=(32, 32, 3))
    model = applications.ResNet50V2(weights=None, input_tensor=inputs, classes=10)
    assert model.inputs[0] is inputs
    assert model.output_shape == (None, 10)


def test_weights_file_loads_by_name(tmp_path):
    clear_session()
    source = applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(32, 32, 3))
    path = tmp_path / "mobilenet_notop.h5"
    source.save_weights(str(path))
    clear_session()
    loaded = applications.MobileNet(weights=str(path), alpha=0.25, include_top=False, input_shape=(32, 32, 3))
    for a, b in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_imagenet_weights_missing_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        applications.MobileNet(weights="imagenet", alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    message = str(info.value)
    assert "does not download" in message
    assert "mobilenet_2_5_128_tf_no_top.h5" in message
    assert str(tmp_path / "models") in message


def test_imagenet_weights_found_in_models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_HOME", str(tmp_path))
    clear_session()
    source = applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    (tmp_path / "models").mkdir()
    source.save_weights(str(tmp_path / "models" / "mobilenet_2_5_128_tf_no_top.h5"))
    clear_session()
    loaded = applications.MobileNet(weights="imagenet", alpha=0.25, include_top=False, input_shape=(128, 128, 3))
    np.testing.assert_array_equal(source.get_weights()[0], loaded.get_weights()[0])


def test_argument_errors():
    with pytest.raises(ConfigError, match="weights"):
        applications.VGG16(weights="no/such/file.h5")
    with pytest.raises(ConfigError, match="classes"):
        applications.VGG16(weights="imagenet", classes=10)
    with pytest.raises(ConfigError, match="at least 32x32"):
        applications.ResNet50(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ConfigError, match="pooling"):
        applications.MobileNet(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="sum")


def test_preprocess_input_modes():
    x = np.full((1, 2, 2, 3), 255.0, dtype="float32")
    x[..., 0] = 0.0
    caffe = applications.vgg.preprocess_input(x)
    np.testing.assert_allclose(caffe[0, 0, 0], [255 - 103.939, 255 - 116.779, 0 - 123.68], rtol=1e-6)
    tf_mode = applications.xception.preprocess_input(x)
    np.testing.assert_allclose(tf_mode[0, 0, 0], [-1.0, 1.0, 1.0])
    torch_mode = applications.densenet.preprocess_input(x)
    np.testing.assert_allclose(torch_mode[0, 0, 0], [-0.485 / 0.229, 0.544 / 0.224, 0.594 / 0.225], rtol=1e-5)
    assert x[0, 0, 0, 0] == 0.0  # the input is not modified


def test_decode_predictions(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_HOME", str(tmp_path))
    imagenet_utils._reset_class_index()
    preds = np.zeros((1, 1000), dtype="float32")
    preds[0, 3] = 0.9
    preds[0, 7] = 0.1
    with pytest.raises(FileNotFoundError, match="imagenet_class_index.json"):
        applications.resnet.decode_predictions(preds)
    (tmp_path / "models").mkdir()
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (tmp_path / "models" / "imagenet_class_index.json").write_text(json.dumps(index))
    top = applications.resnet.decode_predictions(preds, top=2)
    assert top == [[("n00000003", "class_3", pytest.approx(0.9)), ("n00000007", "class_7", pytest.approx(0.1))]]
    imagenet_utils._reset_class_index()
