"""Keras 2 and Keras 3 layer configs normalised to engine constructor arguments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import models
from engine.errors import ConfigError
from engine.saving.config_compat import normalize_layer_config, normalize_model_config

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def _sequential(layer_entries, input_config):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [input_config, *layer_entries]}}


def test_keras3_wrappers_and_policies():
    entry = {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {"name": "d", "dtype": POLICY, "units": 2, "quantization_config": None},
        "registered_name": None,
        "build_config": {"input_shape": [None, 3]},
    }
    config = normalize_model_config(
        _sequential([entry], {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "optional": False}})
    )
    layers = config["config"]["layers"]
    assert layers[0]["config"] == {"batch_input_shape": [None, 3]}
    assert layers[1] == {"class_name": "Dense", "config": {"name": "d", "dtype": "float32", "units": 2}}


def test_keras2_recurrent_and_depthwise_keys():
    lstm = {
        "class_name": "LSTM",
        "config": {"name": "lstm", "units": 4, "time_major": False, "implementation": 2, "return_sequences": True},
    }
    depthwise = {"class_name": "DepthwiseConv2D", "config": {"name": "dw", "kernel_size": [3, 3], "groups": 1}}
    assert "time_major" not in normalize_layer_config("LSTM", lstm["config"])
    assert "implementation" not in normalize_layer_config("LSTM", lstm["config"])
    assert "groups" not in normalize_layer_config("DepthwiseConv2D", depthwise["config"])
    seq = _sequential([lstm], {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5, 3]}})
    model = models.model_from_json(json.dumps(seq))
    assert model.predict(np.ones((2, 5, 3), "float32")).shape == (2, 5, 4)


def test_meaningful_values_are_kept_and_rejected_clearly():
    assert normalize_layer_config("LSTM", {"name": "l", "units": 2, "time_major": True})["time_major"] is True
    config = normalize_layer_config("DepthwiseConv2D", {"name": "dw", "kernel_size": 3, "groups": 2})
    assert config["groups"] == 2
    seq = _sequential(
        [{"class_name": "DepthwiseConv2D", "config": config}],
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5, 5, 4]}},
    )
    with pytest.raises(ConfigError, match="groups"):
        models.model_from_json(json.dumps(seq))


def test_conv2d_keeps_groups():
    assert normalize_layer_config("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 1})["groups"] == 1


def test_input_is_not_modified():
    original = {"class_name": "Dense", "config": {"units": 1, "dtype": POLICY}}
    snapshot = json.dumps(original)
    normalize_model_config(original)
    assert json.dumps(original) == snapshot
