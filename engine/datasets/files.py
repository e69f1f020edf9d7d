"""Training data from the user's files: ``.npz``, ``.npy``, CSV and HDF5.

Every loader returns a :class:`LoadedData` with inputs, targets and what is known about them. HDF5
datasets come back as ``utils.HDF5Matrix`` views, so they are streamed batch by batch and never
loaded whole. Anything unreadable raises ``DataError`` with one sentence saying what is wrong.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy  # host-side file reading

from engine.errors import DataError

SUFFIXES = (".npz", ".npy", ".csv", ".h5", ".hdf5")


@dataclass
class LoadedData:
    """Inputs ``x`` and targets ``y`` read from ``source``.

    ``feature_names`` name the columns of tabular data; ``class_names`` map integer targets back to
    the labels found in a CSV's text column.
    """

    x: Any
    y: Any
    source: str
    feature_names: list[str] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return int(self.x.shape[0])

    def describe(self) -> str:
        """One line: where the data came from and its shapes."""
        y_shape = tuple(self.y.shape) if self.y is not None else "none"
        return f"{Path(self.source).name}: {self.samples:,} samples, x {tuple(self.x.shape)}, y {y_shape}"


def load_data(
    path: str | Path,
    x_key: str | None = None,
    y_key: str | None = None,
    target_column: str | int | None = None,
) -> LoadedData:
    """Read ``path`` by its suffix.

    Args:
        path: an ``.npz`` (arrays ``x_key``/``y_key``, default ``x`` and ``y``), ``.npy`` (a 2-D table),
            ``.csv`` (numeric columns become features) or ``.h5``/``.hdf5`` file (datasets
            ``x_key``/``y_key``, default ``x`` and ``y``).
        target_column: for tables, the target's column name or index (default: the last column).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"No such data file: '{path}'.")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _npz(path, x_key or "x", y_key or "y")
    if suffix == ".npy":
        try:
            table = numpy.load(path, allow_pickle=False)
        except (ValueError, OSError) as error:
            raise DataError(f"Cannot read '{path}' as a NumPy array: {error}.") from error
        return _table(table, [f"column {i}" for i in range(table.shape[1] if table.ndim == 2 else 0)],
                      target_column, str(path))  # fmt: skip
    if suffix == ".csv":
        return load_csv(path, target_column)
    if suffix in (".h5", ".hdf5"):
        return load_hdf5(path, x_key or "x", y_key or "y")
    raise DataError(f"Cannot read '{path.name}': expected one of {', '.join(SUFFIXES)}.")


def _npz(path: Path, x_key: str, y_key: str) -> LoadedData:
    try:
        archive = numpy.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise DataError(f"Cannot read '{path}' as an .npz archive: {error}.") from error
    with archive:
        names = list(archive.files)
        if x_key not in names or y_key not in names:
            raise DataError(f"'{path.name}' needs arrays '{x_key}' and '{y_key}'; it holds {names}.")
        x, y = archive[x_key], archive[y_key]
    if len(x) != len(y):
        raise DataError(f"'{path.name}': '{x_key}' has {len(x)} samples but '{y_key}' has {len(y)}.")
    return LoadedData(_float(x), y, str(path))


def load_csv(path: str | Path, target_column: str | int | None = None) -> LoadedData:
    """A CSV table: numeric columns become float32 features, the target column becomes ``y``.

    A header row is detected (a first row that does not parse as numbers). A text target column is
    turned into integer class indices, with the labels kept in ``class_names``.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row]
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"Cannot read '{path}' as CSV: {error}.") from error
    if not rows:
        raise DataError(f"'{path.name}' is empty.")
    has_header = not all(_is_number(cell) for cell in rows[0])
    header = rows[0] if has_header else [f"column {i}" for i in range(len(rows[0]))]
    body = rows[1:] if has_header else rows
    if not body:
        raise DataError(f"'{path.name}' has a header but no data rows.")
    width = len(header)
    bad = next((i for i, row in enumerate(body) if len(row) != width), None)
    if bad is not None:
        raise DataError(f"'{path.name}' row {bad + 1 + has_header} has {len(body[bad])} cells, expected {width}.")
    columns = list(zip(*body))
    target = _column_index(target_column, header, path.name)
    feature_names, features = [], []
    for index, (name, values) in enumerate(zip(header, columns)):
        if index != target and all(_is_number(v) for v in values):
            feature_names.append(name)
            features.append(numpy.array(values, dtype="float32"))
    if not features:
        raise DataError(f"'{path.name}' has no numeric feature columns besides the target '{header[target]}'.")
    x = numpy.stack(features, axis=1)
    raw = columns[target]
    class_names: list[str] = []
    if all(_is_number(v) for v in raw):
        y = numpy.array(raw, dtype="float64")
        y = y.astype("int64") if numpy.all(numpy.mod(y, 1) == 0) else y.astype("float32")
    else:
        class_names = sorted(set(raw))
        lookup = {name: i for i, name in enumerate(class_names)}
        y = numpy.array([lookup[v] for v in raw], dtype="int64")
    return LoadedData(x, y, str(path), feature_names, class_names)


def load_hdf5(path: str | Path, x_dataset: str = "x", y_dataset: str = "y") -> LoadedData:
    """Two datasets of an HDF5 file as ``HDF5Matrix`` views (streamed, never read whole)."""
    from engine.utils.io_utils import HDF5Matrix

    x = HDF5Matrix(path, x_dataset)
    y = HDF5Matrix(path, y_dataset)
    if x.shape[0] != y.shape[0]:
        raise DataError(f"'{Path(path).name}': '{x_dataset}' has {x.shape[0]} rows but '{y_dataset}' has {y.shape[0]}.")
    return LoadedData(x, y, str(path))


def hdf5_datasets(path: str | Path) -> list[tuple[str, tuple[int, ...]]]:
    """Every dataset in an HDF5 file with its shape, for choosing inputs and targets."""
    import h5py

    found: list[tuple[str, tuple[int, ...]]] = []
    try:
        with h5py.File(path, "r") as handle:
            handle.visititems(lambda name, obj: found.append((name, tuple(obj.shape)))
                              if isinstance(obj, h5py.Dataset) else None)  # fmt: skip
    except OSError as error:
        raise DataError(f"Cannot open '{path}' as HDF5: {error}.") from error
    return found


def csv_columns(path: str | Path) -> list[str]:
    """The header of a CSV file (``column i`` names when it has none), for choosing the target."""
    with Path(path).open(newline="", encoding="utf-8") as handle:
        first = next(csv.reader(handle), [])
    return first if not all(_is_number(c) for c in first) else [f"column {i}" for i in range(len(first))]


def _table(table: Any, header: list[str], target_column: str | int | None, source: str) -> LoadedData:
    if table.ndim != 2 or table.shape[1] < 2:
        raise DataError(f"'{Path(source).name}' must be a 2-D table with at least two columns, got {table.shape}.")
    target = _column_index(target_column, header, Path(source).name)
    x = numpy.delete(table, target, axis=1).astype("float32")
    y = table[:, target]
    if numpy.all(numpy.mod(y, 1) == 0):
        y = y.astype("int64")
    return LoadedData(x, y, source, [h for i, h in enumerate(header) if i != target])


def _column_index(target: str | int | None, header: list[str], name: str) -> int:
    if target is None:
        return len(header) - 1
    if isinstance(target, int) or (isinstance(target, str) and target.lstrip("-").isdigit() and target not in header):
        index = int(target)
        if not -len(header) <= index < len(header):
            raise DataError(f"'{name}' has {len(header)} columns; target column {index} does not exist.")
        return index % len(header)
    if target not in header:
        raise DataError(f"'{name}' has no column '{target}'. Columns: {', '.join(header)}.")
    return header.index(target)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _float(x: Any) -> Any:
    return x.astype("float32") if x.dtype.kind in "iufb" and x.dtype != numpy.float32 else x
