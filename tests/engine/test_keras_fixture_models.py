"""The trained Keras fixture models, rebuilt in the engine, predict what Keras predicted."""

from __future__ import annotations

import numpy as np
import pytest

from tests.engine import keras_fixtures as kf


@pytest.mark.parametrize("version", kf.VERSIONS)
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_trained_fixture_predictions(version, name):
    model = kf.build_mlp(with_dropout=True) if name == "mlp" else kf.build_cnn()
    kf.load_legacy_h5_weights(model, kf.path(version, f"{name}.h5"))
    x = np.load(kf.path(version, f"{name}_x.npy"))
    np.testing.assert_allclose(model.predict(x), np.load(kf.path(version, f"{name}_y.npy")), atol=1e-5, rtol=0)


@pytest.mark.parametrize("version", kf.VERSIONS)
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_weights_file_predictions(version, name):
    model = kf.build_mlp(with_dropout=True) if name == "mlp" else kf.build_cnn()
    kf.load_v3_weights(model, kf.path(version, f"{name}.weights.h5"))
    x = np.load(kf.path(version, f"{name}_x.npy"))
    np.testing.assert_allclose(model.predict(x), np.load(kf.path(version, f"{name}_y.npy")), atol=1e-5, rtol=0)
