"""The backend settings and the ~/.strata/strata.json config file."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest

from engine import backend, layers
from engine.backend import config
from engine.errors import ConfigError


def test_keras_style_accessors_and_defaults():
    assert backend.floatx() == "float32"
    assert backend.epsilon() == 1e-7
    assert backend.image_data_format() == "channels_last"
    backend.set_floatx("float64")
    assert layers.Dense(2)(np.ones((1, 3))).dtype == np.float64
    backend.set_epsilon(1e-5)
    assert backend.epsilon() == 1e-5
    backend.set_image_data_format("channels_first")
    assert backend.image_data_format() == "channels_first"


def test_invalid_settings_name_the_field_and_the_choices():
    with pytest.raises(ConfigError, match="floatx 'float8'.*float32"):
        backend.set_floatx("float8")
    with pytest.raises(ConfigError, match="image_data_format"):
        backend.set_image_data_format("nhwc")
    with pytest.raises(ConfigError, match="epsilon"):
        backend.set_epsilon(-1)


def test_config_file_is_created_with_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STRATA_BACKEND", raising=False)
    loaded = config.load_config()
    written = json.loads((tmp_path / "home" / "strata.json").read_text())
    assert written == config.DEFAULTS == loaded
    assert set(written) == {"image_data_format", "epsilon", "floatx", "backend"}
    assert config.datasets_dir() == tmp_path / "home" / "datasets"
    assert config.datasets_dir().is_dir()


def test_config_file_values_and_environment_override(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "strata.json").write_text(json.dumps({"floatx": "float64", "epsilon": 1e-4, "backend": "numpy"}))
    monkeypatch.setenv("STRATA_HOME", str(home))
    monkeypatch.setenv("STRATA_BACKEND", "cupy")
    loaded = config.load_config()
    assert loaded["floatx"] == "float64" and loaded["epsilon"] == 1e-4
    assert loaded["backend"] == "cupy"


def test_broken_config_file_falls_back_to_defaults(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "strata.json").write_text("{not json")
    monkeypatch.setenv("STRATA_HOME", str(home))
    assert config.load_config()["floatx"] == "float32"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_home_falls_back_to_tmp(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    monkeypatch.setenv("STRATA_HOME", str(locked / "strata"))
    assert config.strata_home() == config._FALLBACK_HOME


def test_unwritable_home_falls_back_to_tmp_simulated(tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(config, "_is_writable_dir", lambda path: False)
    assert config.strata_home() == config._FALLBACK_HOME


def test_cupy_backend_without_gpu_is_a_clear_error_or_works():
    try:
        backend.set_backend("cupy")
    except ConfigError as error:
        assert "CuPy" in str(error)
    finally:
        backend.set_backend("numpy")
    backend.set_backend("auto")  # never crashes: numpy where no GPU is usable
    assert backend.backend() in ("numpy", "cupy")
    backend.set_backend("numpy")
