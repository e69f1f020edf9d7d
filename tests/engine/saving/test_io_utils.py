"""HDF5 inputs streamed batch by batch (HDF5Matrix, raw h5py datasets) and the offline get_file cache."""

from __future__ import annotations

import hashlib
import tarfile

import h5py
import numpy as np
import pytest

from engine import layers, models, utils
from engine.errors import DataError
from tests.engine.host import assert_allclose, assert_array_equal


@pytest.fixture
def h5_data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 100)]
    path = tmp_path / "data.h5"
    with h5py.File(path, "w") as handle:
        handle["x"] = x
        handle["y"] = y
    return path, x, y


@pytest.fixture
def read_sizes(monkeypatch):
    """Rows read by every h5py.Dataset access during the test."""
    sizes = []
    original = h5py.Dataset.__getitem__

    def recording(self, key):
        result = original(self, key)
        if self.ndim >= 1 and getattr(result, "ndim", 0) >= 1:
            sizes.append(result.shape[0])
        return result

    monkeypatch.setattr(h5py.Dataset, "__getitem__", recording)
    return sizes


def test_hdf5_matrix_indexing(h5_data):
    path, x, _ = h5_data
    matrix = utils.HDF5Matrix(path, "x", start=10, end=60)
    assert matrix.shape == (50, 6) and len(matrix) == 50 and matrix.dtype == np.float32 and matrix.ndim == 2
    assert_array_equal(matrix[0], x[10])
    assert_array_equal(matrix[-1], x[59])
    assert_array_equal(matrix[5:9], x[15:19])
    assert_array_equal(matrix[::10], x[10:60:10])
    assert_array_equal(matrix[[7, 2, 2, 30]], x[[17, 12, 12, 40]])
    assert_array_equal(np.asarray(matrix), x[10:60])
    with pytest.raises(IndexError):
        matrix[50]
    scaled = utils.HDF5Matrix(path, "x", normalizer=lambda a: a * 2.0)
    assert_allclose(scaled[3:5], x[3:5] * 2.0)
    with pytest.raises(DataError, match="no dataset 'z'"):
        utils.HDF5Matrix(path, "z")
    with pytest.raises(DataError, match="no such file"):
        utils.HDF5Matrix(path.with_name("nope.h5"), "x")


def _model():
    model = models.Sequential([layers.Input(shape=(6,)), layers.Dense(8, activation="relu"), layers.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("kind", ["matrix", "dataset"])
@pytest.mark.parametrize("shuffle", [False, True, "batch"])
def test_fit_evaluate_predict_stream_hdf5(h5_data, read_sizes, kind, shuffle):
    path, x, y = h5_data
    handle = h5py.File(path, "r")
    if kind == "matrix":
        xs, ys = utils.HDF5Matrix(path, "x"), utils.HDF5Matrix(path, "y")
    else:
        xs, ys = handle["x"], handle["y"]
    model = _model()
    weights = model.get_weights()
    read_sizes.clear()
    model.fit(xs, ys, batch_size=16, epochs=2, shuffle=shuffle, verbose=0)
    model.evaluate(xs, ys, batch_size=16, verbose=0)
    predictions = model.predict(xs, batch_size=16)
    assert read_sizes and max(read_sizes) <= 16  # never more than a batch at a time
    # atol: batches of 16 vs 32 may take different GEMM kernels on a GPU; they differ by float32 rounding (~1e-7)
    assert_allclose(predictions, model.predict(x), rtol=1e-6, atol=1e-6)
    if shuffle is False:  # same batches in the same order as in-memory arrays
        reference = _model()
        reference.set_weights(weights)
        reference.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        for a, b in zip(reference.get_weights(), model.get_weights()):
            assert_array_equal(a, b)
    handle.close()


def test_validation_split_stays_lazy(h5_data, read_sizes):
    path, _, _ = h5_data
    model = _model()
    read_sizes.clear()
    history = model.fit(
        utils.HDF5Matrix(path, "x"), utils.HDF5Matrix(path, "y"), batch_size=10, validation_split=0.2, verbose=0
    )
    assert "val_loss" in history.history and max(read_sizes) <= 10


# -- get_file ---------------------------------------------------------------------------------
def test_get_file_refuses_downloads_and_says_where(tmp_path):
    with pytest.raises(DataError, match=r"offline.*put it at .*datasets[/\\]mnist.npz"):
        utils.get_file("mnist.npz", origin="https://example.org/mnist.npz", cache_dir=tmp_path)


def test_get_file_uses_cache_for_urls(tmp_path):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist.npz").write_bytes(b"cached")
    path = utils.get_file("mnist.npz", origin="https://example.org/mnist.npz", cache_dir=tmp_path)
    assert open(path, "rb").read() == b"cached"
    digest = hashlib.sha256(b"cached").hexdigest()
    assert utils.get_file("mnist.npz", "https://example.org/mnist.npz", file_hash=digest, cache_dir=tmp_path) == path
    with pytest.raises(DataError, match="offline"):
        utils.get_file("mnist.npz", "https://example.org/mnist.npz", file_hash="0" * 64, cache_dir=tmp_path)


def test_get_file_copies_local_files_and_extracts(tmp_path):
    source = tmp_path / "src" / "table.csv"
    source.parent.mkdir()
    source.write_text("a,b\n1,2\n")
    cache = tmp_path / "cache"
    path = utils.get_file("table.csv", origin=str(source), cache_dir=cache, cache_subdir="tables")
    assert path == str(cache / "tables" / "table.csv") and open(path).read() == "a,b\n1,2\n"
    assert utils.get_file(origin=source.as_uri(), cache_dir=cache) == str(cache / "datasets" / "table.csv")
    archive = tmp_path / "src" / "pack.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source, arcname="pack/table.csv")
    folder = utils.get_file("pack", origin=str(archive), untar=True, cache_dir=cache)
    assert open(f"{folder}/table.csv").read() == "a,b\n1,2\n"
    with pytest.raises(DataError, match="not an existing local file"):
        utils.get_file("x.bin", origin=str(tmp_path / "missing.bin"), cache_dir=cache)
