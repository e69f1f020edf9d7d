"""Atomic file replacement: write a temporary file next to the target, then rename it into place.

A crash, a full disk or an exception mid-save leaves the previous file untouched: the new
content only becomes visible through ``os.replace``, which is atomic on POSIX and Windows.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from engine.errors import ModelFileError


def _fsync_path(path: str | os.PathLike, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:  # e.g. directories cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(filepath: str | os.PathLike, overwrite: bool = True) -> Iterator[str]:
    """Yield a temporary path in ``filepath``'s folder; on success it replaces ``filepath`` (fsynced)."""
    target = Path(filepath)
    if target.exists() and not overwrite:
        raise ModelFileError(f"'{target}' already exists and overwrite=False: not replacing it.")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ModelFileError(f"Cannot save to '{target}': the folder '{folder}' does not exist.")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield temp
        _fsync_path(temp)
        os.replace(temp, target)
        _fsync_path(folder, directory=True)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise
