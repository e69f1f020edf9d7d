"""get / serialize / deserialize with Keras 3 and Keras 2 (tf_keras, legacy) configs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import optimizers
from engine.errors import ConfigError
from engine.optimizers import schedules
from engine.saving.object_registration import register_serializable

BASE_KEYS = {
    "name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema", "ema_momentum",
    "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
}  # fmt: skip
SPECIFIC_KEYS = {
    "SGD": {"momentum", "nesterov"},
    "RMSprop": {"rho", "momentum", "epsilon", "centered"},
    "Adam": {"beta_1", "beta_2", "epsilon", "amsgrad"},
    "AdamW": {"beta_1", "beta_2", "epsilon", "amsgrad"},
    "Adagrad": {"initial_accumulator_value", "epsilon"},
    "Adadelta": {"rho", "epsilon"},
    "Adamax": {"beta_1", "beta_2", "epsilon"},
    "Nadam": {"beta_1", "beta_2", "epsilon"},
}
DEFAULT_NAMES = {
    "SGD": "sgd", "RMSprop": "rmsprop", "Adam": "adam", "AdamW": "adamw", "Adagrad": "adagrad",
    "Adadelta": "adadelta", "Adamax": "adamax", "Nadam": "nadam",
}  # fmt: skip


@pytest.mark.parametrize("class_name", sorted(SPECIFIC_KEYS))
def test_config_keys_defaults_and_round_trip(class_name):
    opt = optimizers.get(class_name.lower())
    assert type(opt).__name__ == class_name
    config = opt.get_config()
    assert set(config) == BASE_KEYS | SPECIFIC_KEYS[class_name]
    assert config["name"] == DEFAULT_NAMES[class_name]
    json.dumps(config)
    again = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(opt))))
    assert type(again) is type(opt) and again.get_config() == config


def test_keras_defaults():
    assert optimizers.SGD().get_config()["learning_rate"] == pytest.approx(0.01)
    assert optimizers.AdamW().get_config()["weight_decay"] == 0.004
    assert optimizers.Adadelta().rho == 0.95
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert optimizers.RMSprop().epsilon == 1e-7
    # the learning rate lives in float32, as the Keras fixture configs show
    assert optimizers.Adam(learning_rate=0.01).get_config()["learning_rate"] == 0.009999999776482582


def test_get_passes_instances_and_accepts_keras3_dicts():
    opt = optimizers.RMSprop()
    assert optimizers.get(opt) is opt
    config = {
        "module": "keras.optimizers",
        "class_name": "SGD",
        "config": {"name": "sgd", "learning_rate": 0.009999999776482582, "momentum": 0.9, "nesterov": True,
                   "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                   "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                   "loss_scale_factor": None, "gradient_accumulation_steps": None},
        "registered_name": None,
    }  # fmt: skip
    sgd = optimizers.get(config)
    assert sgd.nesterov and sgd.momentum == 0.9 and sgd.learning_rate == pytest.approx(0.01)


def test_keras2_custom_prefixed_config():
    """The optimizer_config in a tf_keras legacy .h5 training_config."""
    config = {
        "class_name": "Custom>Adam",
        "config": {"name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                   "clipvalue": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                   "jit_compile": False, "is_legacy_optimizer": False, "learning_rate": 0.0010000000474974513,
                   "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
    }  # fmt: skip
    opt = optimizers.get(config)
    assert isinstance(opt, optimizers.Adam) and opt.name == "Adam"
    assert opt.learning_rate == pytest.approx(0.001)


def test_keras2_rmsprop_with_ema_frequency():
    config = {"class_name": "RMSprop", "config": {"centered": False, "ema_overwrite_frequency": 100, "epsilon": 1e-07,
              "is_legacy_optimizer": False, "jit_compile": False, "learning_rate": 0.004999999888241291,
              "momentum": 0.0, "name": "RMSprop", "rho": 0.9, "use_ema": False, "weight_decay": None}}  # fmt: skip
    opt = optimizers.deserialize(config)
    assert isinstance(opt, optimizers.RMSprop) and opt.rho == 0.9


def test_legacy_lr_and_decay():
    opt = optimizers.get({"class_name": "SGD", "config": {"lr": 0.1, "decay": 0.5, "momentum": 0.0,
                                                          "nesterov": False, "name": "SGD"}})  # fmt: skip
    assert isinstance(opt._learning_rate, schedules.InverseTimeDecay)
    assert opt.learning_rate == pytest.approx(0.1)
    opt.iterations = 2
    assert opt.learning_rate == pytest.approx(0.1 / (1 + 0.5 * 2))
    plain = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.01, "decay": 0.0}})
    assert plain.learning_rate == pytest.approx(0.01)


def test_unknown_names_list_valid_ones():
    with pytest.raises(ConfigError, match=r"Unknown optimizer 'adamz'.*adam"):
        optimizers.get("adamz")
    with pytest.raises(ConfigError, match="Valid names"):
        optimizers.get({"class_name": "Lion", "config": {}})
    with pytest.raises(ConfigError):
        optimizers.get(3)


def test_schedule_in_config_round_trips():
    opt = optimizers.Adam(learning_rate=schedules.CosineDecay(0.1, 100, alpha=0.1, warmup_target=0.2, warmup_steps=5))
    config = opt.get_config()
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    assert config["learning_rate"]["module"] == "keras.optimizers.schedules"
    again = optimizers.Adam.from_config(json.loads(json.dumps(config)))
    assert isinstance(again._learning_rate, schedules.CosineDecay)
    assert again.get_config() == config


def test_custom_registered_optimizer_and_schedule():
    @register_serializable(package="Tests")
    class HalfSchedule(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / 2

        def get_config(self):
            return {"rate": self.rate}

    @register_serializable(package="Tests")
    class Plain(optimizers.SGD):
        pass

    opt = Plain(learning_rate=HalfSchedule(1.0))
    data = optimizers.serialize(opt)
    assert data["registered_name"] == "Tests>Plain"
    again = optimizers.deserialize(json.loads(json.dumps(data)))
    assert type(again) is Plain and again.learning_rate == 0.5


def test_float_state_of_schedule_is_float32_rounded():
    opt = optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 3, 0.5))
    assert opt.learning_rate == float(np.float32(0.1))
