"""Generated datasets are deterministic; user files load into arrays (HDF5 as streamed HDF5Matrix)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from engine.datasets import load_data, load_sine_sequences, load_spirals
from engine.datasets.files import csv_columns, hdf5_datasets
from engine.errors import DataError
from engine.utils.io_utils import HDF5Matrix


def test_spirals_are_deterministic_and_balanced():
    x, y = load_spirals()
    x2, y2 = load_spirals()
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert x.shape == (1000, 2) and x.dtype == np.float32 and set(np.unique(y)) == {0, 1}
    assert 0.3 < y[-200:].mean() < 0.7  # the validation tail holds both classes
    assert not np.array_equal(load_spirals(seed=1)[0], x)


def test_sine_sequences_fit_the_stateful_template():
    x, y = load_sine_sequences()
    assert x.shape == (640, 10, 16) and y.shape == (640,) and set(np.unique(y)) == set(range(10))
    # Row i of batch b + 1 continues row i of batch b: same stream, same class.
    np.testing.assert_array_equal(y[:32], y[32:64])
    np.testing.assert_array_equal(x, load_sine_sequences()[0])


def test_npz(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones((5, 3), "int32"), y=np.arange(5))
    data = load_data(path)
    assert data.x.dtype == np.float32 and data.samples == 5 and "5 samples" in data.describe()
    np.savez(path, a=np.ones(3))
    with pytest.raises(DataError, match="needs arrays 'x' and 'y'; it holds \\['a'\\]"):
        load_data(path)


def test_csv_with_header_text_target_and_column_choice(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,name,b,species\n1,foo,2,cat\n3,bar,4,dog\n5,baz,6,cat\n", encoding="utf-8")
    data = load_data(path)
    assert data.feature_names == ["a", "b"] and data.class_names == ["cat", "dog"]
    np.testing.assert_array_equal(data.y, [0, 1, 0])
    np.testing.assert_array_equal(data.x, [[1, 2], [3, 4], [5, 6]])
    by_name = load_data(path, target_column="a")
    assert by_name.feature_names == ["b"] and by_name.y.tolist() == [1, 3, 5]
    assert csv_columns(path) == ["a", "name", "b", "species"]
    with pytest.raises(DataError, match="no column 'zzz'"):
        load_data(path, target_column="zzz")


def test_csv_without_header_and_ragged_rows(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("1,2,0.5\n3,4,1.5\n", encoding="utf-8")
    data = load_data(path)
    assert data.x.shape == (2, 2) and data.y.dtype == np.float32
    path.write_text("1,2,0\n3,4\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 2 has 2 cells, expected 3"):
        load_data(path)


def test_npy_table(tmp_path):
    path = tmp_path / "t.npy"
    np.save(path, np.array([[1.0, 2.0, 0], [3.0, 4.0, 1]]))
    data = load_data(path, target_column=-1)
    assert data.x.shape == (2, 2) and data.y.tolist() == [0, 1]


def test_hdf5_is_streamed(tmp_path):
    path = tmp_path / "d.h5"
    with h5py.File(path, "w") as f:
        f["group/images"] = np.zeros((20, 4, 4), "float32")
        f["labels"] = np.arange(20)
    data = load_data(path, x_key="group/images", y_key="labels")
    assert isinstance(data.x, HDF5Matrix) and isinstance(data.y, HDF5Matrix) and data.samples == 20
    assert hdf5_datasets(path) == [("group/images", (20, 4, 4)), ("labels", (20,))]
    with pytest.raises(DataError, match="no dataset 'x'"):
        load_data(path)


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(DataError, match="No such data file"):
        load_data(tmp_path / "none.npz")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(DataError, match="expected one of"):
        load_data(tmp_path / "f.txt")
