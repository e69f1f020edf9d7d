"""Data that lives in files: ``HDF5Matrix`` (lazy HDF5 arrays) and ``get_file`` (a local-only file cache).

``HDF5Matrix`` reads only the rows asked for, so ``fit``/``evaluate``/``predict`` stream a dataset
larger than memory batch by batch. ``get_file`` keeps Keras's signature and cache layout
(``<strata home>/datasets/<fname>``) but never downloads: Strata works offline, so a URL that is not
already cached is an error telling where to put the file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import h5py
import numpy

from engine.backend.config import strata_home
from engine.errors import DataError


class HDF5Matrix:
    """An array-like view of rows ``[start, end)`` of an HDF5 dataset, read lazily.

    Indexing with an int, a slice or a list/array of row indices returns a NumPy array (passed
    through ``normalizer`` when given); nothing else is read from disk.
    """

    def __init__(
        self,
        datapath: str | os.PathLike,
        dataset: str,
        start: int = 0,
        end: int | None = None,
        normalizer: Callable[[Any], Any] | None = None,
    ) -> None:
        self.datapath = os.fspath(datapath)
        try:
            self._file = h5py.File(self.datapath, "r")
        except FileNotFoundError as error:
            raise DataError(f"HDF5Matrix: no such file '{self.datapath}'.") from error
        except OSError as error:
            raise DataError(f"HDF5Matrix: cannot open '{self.datapath}' as HDF5 ({error}).") from error
        if dataset not in self._file or not isinstance(self._file[dataset], h5py.Dataset):
            available = [k for k in self._file if isinstance(self._file[k], h5py.Dataset)]
            self._file.close()
            raise DataError(f"HDF5Matrix: '{self.datapath}' has no dataset '{dataset}'. Datasets: {available}.")
        self.data = self._file[dataset]
        if self.data.ndim == 0:
            raise DataError(f"HDF5Matrix: dataset '{dataset}' in '{self.datapath}' is a scalar, not rows of samples.")
        total = int(self.data.shape[0])
        self.start = int(start)
        self.end = total if end is None else min(int(end), total)
        if not 0 <= self.start <= self.end:
            raise DataError(f"HDF5Matrix: invalid row range start={start}, end={end} for {total} rows.")
        self.normalizer = normalizer
        if normalizer is not None and self.end > self.start:
            sample = numpy.asarray(normalizer(self.data[self.start : self.start + 1]))
            self._row_shape, self._dtype = tuple(sample.shape[1:]), sample.dtype
        else:
            self._row_shape, self._dtype = tuple(self.data.shape[1:]), self.data.dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.end - self.start, *self._row_shape)

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(numpy.prod(self.shape))

    def __len__(self) -> int:
        return self.end - self.start

    def _read(self, index: Any) -> numpy.ndarray:
        array = self.data[index]
        return numpy.asarray(self.normalizer(array)) if self.normalizer is not None else numpy.asarray(array)

    def __getitem__(self, key: Any) -> numpy.ndarray:
        length = len(self)
        if isinstance(key, slice):
            first, stop, step = key.indices(length)
            if step == 1:
                return self._read(slice(self.start + first, self.start + max(stop, first)))
            key = numpy.arange(first, stop, step)
        if isinstance(key, (int, numpy.integer)):
            position = int(key) + length if key < 0 else int(key)
            if not 0 <= position < length:
                raise IndexError(f"HDF5Matrix index {key} is out of range for {length} rows.")
            return self._read(self.start + position)
        indices = numpy.asarray(key)
        if indices.dtype == bool:
            indices = numpy.flatnonzero(indices)
        indices = numpy.where(indices < 0, indices + length, indices).astype("int64")
        if indices.size and (indices.min() < 0 or indices.max() >= length):
            raise IndexError(f"HDF5Matrix indices out of range for {length} rows.")
        unique, inverse = numpy.unique(indices, return_inverse=True)  # h5py needs increasing indices
        rows = self._read((unique + self.start).tolist()) if unique.size else self._read(slice(self.start, self.start))
        return rows if numpy.array_equal(unique, indices) else rows[inverse.reshape(-1)]

    def __array__(self, dtype: Any = None, copy: Any = None) -> numpy.ndarray:
        array = self[:]
        return array.astype(dtype) if dtype is not None else array

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return f"<HDF5Matrix '{self.datapath}' [{self.data.name}] rows {self.start}:{self.end} shape={self.shape}>"


# -- get_file --------------------------------------------------------------------------------------
def _hash_file(path: Path, algorithm: str) -> str:
    hasher = hashlib.sha256() if algorithm == "sha256" else hashlib.md5()  # noqa: S324 - Keras's md5 option
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto") -> bool:
    """Whether ``fpath``'s sha256 (or md5) equals ``file_hash``."""
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    return _hash_file(Path(fpath), algorithm) == str(file_hash)


def _safe_extract(archive: Path, target: Path, archive_format: Any) -> bool:
    formats = (
        ["tar", "zip"]
        if archive_format in ("auto", None)
        else ([archive_format] if isinstance(archive_format, str) else list(archive_format))
    )
    root = target.resolve()
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tar:
                tar.extractall(target, filter="data")  # refuses absolute paths, '..' and device files
            return True
        if fmt == "zip" and zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    if not (target / member).resolve().is_relative_to(root):
                        raise DataError(f"get_file: archive '{archive}' contains an unsafe path '{member}'.")
                zf.extractall(target)
            return True
    return False


def get_file(
    fname: str | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: Any = "auto",
    cache_dir: str | os.PathLike | None = None,
    force_download: bool = False,
) -> str:
    """The cached path of ``fname`` (``<cache_dir or strata home>/<cache_subdir>/<fname>``).

    ``origin`` may be a local path or ``file://`` URL (copied into the cache) or a remote URL, which
    is only accepted when the file is already in the cache: there are no downloads.
    """
    if origin is None:
        raise DataError('get_file needs an origin (a local path or URL), e.g. get_file("data.npz", origin=...).')
    fname = fname or os.path.basename(urlparse(origin).path) or None
    if not fname:
        raise DataError(f"get_file: cannot derive a file name from origin {origin!r}; pass fname=.")
    folder = Path(cache_dir).expanduser() if cache_dir is not None else strata_home()
    folder = folder / cache_subdir if not Path(cache_subdir).is_absolute() else Path(cache_subdir)
    folder.mkdir(parents=True, exist_ok=True)
    if untar:
        target = folder / (fname if fname.endswith((".tar.gz", ".tgz", ".tar")) else f"{fname}.tar.gz")
    else:
        target = folder / fname
    file_hash = file_hash or md5_hash
    algorithm = "md5" if md5_hash and not file_hash else hash_algorithm

    cached_ok = target.exists() and not force_download
    if cached_ok and file_hash is not None and not validate_file(target, file_hash, algorithm):
        cached_ok = False
    if not cached_ok:
        parsed = urlparse(origin)
        if parsed.scheme in ("http", "https", "ftp"):
            raise DataError(
                f"get_file: cannot download {origin}: downloads are not available (Strata works offline). "
                f"Download the file yourself and put it at '{target}' (the cache folder is "
                f"'{folder}'), then call get_file again."
            )
        source = Path(parsed.path if parsed.scheme == "file" else origin).expanduser()
        if not source.is_file():
            raise DataError(f"get_file: origin '{origin}' is not an existing local file.")
        temp = target.with_name(f".{target.name}.part")
        shutil.copyfile(source, temp)
        os.replace(temp, target)
        if file_hash is not None and not validate_file(target, file_hash, algorithm):
            raise DataError(f"get_file: '{source}' does not match the expected hash {file_hash}.")
    if untar:
        extracted = folder / fname.removesuffix(".tar.gz").removesuffix(".tgz").removesuffix(".tar")
        if not extracted.exists():
            if not _safe_extract(target, folder, "tar"):
                raise DataError(f"get_file: '{target}' is not a tar archive.")
        return str(extracted)
    if extract:
        if not _safe_extract(target, folder, archive_format):
            raise DataError(f"get_file: '{target}' is not a {archive_format} archive.")
    return str(target)
