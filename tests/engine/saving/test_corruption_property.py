"""Property: a damaged model file either loads with identical predictions or raises ModelFileError naming it."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import layers, models
from engine.errors import ModelFileError

X = np.linspace(-2, 2, 20, dtype="float32").reshape(4, 5)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corrupt")
    model = models.Sequential(
        [layers.Input(shape=(5,)), layers.Dense(4, activation="tanh"), layers.BatchNormalization(), layers.Dense(3)]
    )
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(np.ones((8, 5), "float32"), np.zeros((8, 3), "float32"), epochs=1, verbose=0)
    path = folder / "model.h5"
    model.save(path)
    weights = folder / "model.weights.h5"
    model.save_weights(weights)
    return path, weights, model.predict(X)


def _h5_objects(path):
    names = []
    with h5py.File(path, "r") as handle:
        names += [("attr", "/", key) for key in handle.attrs]

        def visit(name, obj):
            names.append(("object", name, None))
            names.extend(("attr", name, key) for key in obj.attrs)

        handle.visititems(visit)
    return sorted(names, key=str)


def _check(path, expected, load):
    try:
        predictions = load(path)
    except ModelFileError as error:
        assert str(path) in str(error), str(error)
        return
    np.testing.assert_array_equal(predictions, expected)


def _load_model(path):
    return models.load_model(path).predict(X)


def _load_weights(path):
    model = models.Sequential(
        [layers.Input(shape=(5,)), layers.Dense(4, activation="tanh"), layers.BatchNormalization(), layers.Dense(3)]
    )
    model.load_weights(path)
    return model.predict(X)


damage = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0.0, 0.999)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0.0, 0.9999), st.integers(0, 7)), min_size=1, max_size=4)),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["model", "weights"]), how=damage)
def test_damaged_files(saved, tmp_path, kind, how):
    original, weights, expected = saved
    source = original if kind == "model" else weights
    path = tmp_path / f"damaged_{kind}.h5"
    shutil.copyfile(source, path)
    op, arg = how
    if op == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * arg)])
    elif op == "flip":
        data = bytearray(path.read_bytes())
        for where, bit in arg:
            data[int(where * len(data))] ^= 1 << bit
        path.write_bytes(bytes(data))
    else:
        objects = _h5_objects(path)
        what, name, key = objects[arg % len(objects)]
        with h5py.File(path, "r+") as handle:
            if what == "attr":
                target = handle if name == "/" else handle[name]
                del target.attrs[key]
            elif name in handle:
                del handle[name]
    _check(path, expected, _load_model if kind == "model" else _load_weights)
