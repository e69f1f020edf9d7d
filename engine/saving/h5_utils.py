"""Small h5py helpers shared by the file formats: string attributes, checksums, clear open errors."""

from __future__ import annotations

import json
import zlib
from typing import Any

import h5py
import numpy

from engine.errors import ModelFileError

# Keras splits string-array attributes larger than HDF5's object-header budget into NAME0, NAME1, ...
HDF5_OBJECT_HEADER_LIMIT = 64512
CHECKSUM_ATTR = "strata_crc32"


def decode(value: Any) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def open_for_reading(filepath: str, what: str = "model") -> h5py.File:
    """Open an HDF5 file read-only, turning every failure into a ModelFileError naming the file."""
    try:
        return h5py.File(filepath, "r")
    except FileNotFoundError as error:
        raise ModelFileError(f"No such {what} file: '{filepath}'.") from error
    except Exception as error:  # noqa: BLE001 - h5py raises OSError subclasses with cryptic texts
        raise ModelFileError(
            f"Cannot open '{filepath}' as an HDF5 {what} file (it is truncated, corrupted or not HDF5): {error}"
        ) from error


def write_string_list(group: h5py.Group, name: str, values: list[str]) -> None:
    """Write a string-array attribute the way Keras does, chunked when it would not fit one header."""
    if not values:
        group.attrs[name] = numpy.array([], dtype="float64")
        return
    encoded = [v.encode("utf8") for v in values]
    chunks = 1
    while True:
        size = -(-len(encoded) // chunks)
        parts = [encoded[i : i + size] for i in range(0, len(encoded), size)]
        if all(sum(len(v) for v in part) + 8 * len(part) < HDF5_OBJECT_HEADER_LIMIT for part in parts):
            break
        chunks += 1
    dtype = h5py.string_dtype("utf-8")
    if len(parts) == 1:
        group.attrs.create(name, numpy.array(values, dtype=object), dtype=dtype)
        return
    offset = 0
    for index, part in enumerate(parts):
        group.attrs.create(
            f"{name}{index}", numpy.array(values[offset : offset + len(part)], dtype=object), dtype=dtype
        )
        offset += len(part)


def read_string_list(group: h5py.Group, name: str, filepath: str) -> list[str]:
    """A string-array attribute, joining Keras's ``NAME0, NAME1, ...`` chunks; missing means an error."""
    attrs = group.attrs
    if name in attrs:
        raw = [attrs[name]]
    elif f"{name}0" in attrs:
        raw, index = [], 0
        while f"{name}{index}" in attrs:
            raw.append(attrs[f"{name}{index}"])
            index += 1
    else:
        raise ModelFileError(f"'{filepath}': group '{group.name}' has no '{name}' attribute.")
    values: list[str] = []
    for chunk in raw:
        array = numpy.atleast_1d(numpy.asarray(chunk))
        if array.dtype.kind == "f" and array.size == 0:
            continue
        if array.dtype.kind not in ("O", "S", "U"):
            raise ModelFileError(f"'{filepath}': attribute '{name}' of '{group.name}' is not a list of strings.")
        values.extend(decode(v) for v in array.tolist())
    return values


def read_json_attr(attrs: Any, name: str, filepath: str) -> Any:
    raw = attrs[name]
    try:
        if isinstance(raw, numpy.ndarray):
            raw = raw.item()
        return json.loads(decode(raw))
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise ModelFileError(f"'{filepath}': attribute '{name}' is not valid JSON ({error}).") from error


def checksum(array: numpy.ndarray) -> int:
    return zlib.crc32(numpy.ascontiguousarray(array).view(numpy.uint8).reshape(-1)) & 0xFFFFFFFF


def write_dataset(group: h5py.Group, name: str, array: Any) -> h5py.Dataset:
    """A plain contiguous dataset (as Keras writes them) carrying a CRC32 of its bytes."""
    array = numpy.asarray(array)
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    dataset = group.create_dataset(name, data=array)
    dataset.attrs[CHECKSUM_ATTR] = numpy.uint32(checksum(array))
    return dataset


def read_dataset(dataset: Any, filepath: str, label: str) -> numpy.ndarray:
    """A dataset's values; the CRC32 written by Strata (when present) must match."""
    if not isinstance(dataset, h5py.Dataset):
        raise ModelFileError(f"'{filepath}': {label} is not a dataset.")
    try:
        array = numpy.asarray(dataset[()])
    except Exception as error:  # noqa: BLE001 - h5py read errors on corrupted files
        raise ModelFileError(f"'{filepath}': cannot read {label} ({error}).") from error
    if array.dtype.kind not in "fiub":
        raise ModelFileError(f"'{filepath}': {label} has a non-numeric dtype {array.dtype}.")
    expected = dataset.attrs.get(CHECKSUM_ATTR)
    if expected is not None and int(numpy.asarray(expected)) != checksum(array):
        raise ModelFileError(f"'{filepath}': {label} is corrupted (its checksum does not match its data).")
    return array
