"""The user's Strata configuration file and home folder.

``~/.strata/strata.json`` holds the engine defaults (image_data_format, epsilon,
floatx, backend). It is created with defaults on first use. ``STRATA_HOME``
overrides the folder and ``STRATA_BACKEND`` the backend; when the home folder is
not writable, ``/tmp/.strata`` is used instead.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "image_data_format": "channels_last",
    "epsilon": 1e-07,
    "floatx": "float32",
    "backend": "numpy",
}

_FALLBACK_HOME = Path(tempfile.gettempdir()) / ".strata"


def _is_writable_dir(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def strata_home() -> Path:
    """The folder that holds the config file, the dataset cache and autosaves."""
    override = os.environ.get("STRATA_HOME")
    candidate = Path(override).expanduser() if override else Path.home() / ".strata"
    if _is_writable_dir(candidate):
        return candidate
    _FALLBACK_HOME.mkdir(parents=True, exist_ok=True)
    return _FALLBACK_HOME


def datasets_dir() -> Path:
    """Cache folder for datasets: ``<strata home>/datasets``."""
    path = strata_home() / "datasets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_path() -> Path:
    return strata_home() / "strata.json"


def load_config() -> dict[str, Any]:
    """Read the config file, writing one with the defaults if it does not exist.

    A file that is not valid JSON or holds unknown values is not fatal: the
    defaults are used for whatever cannot be read, so a hand-edit never stops
    the engine from importing.
    """
    path = config_path()
    config = dict(DEFAULTS)
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            stored = {}
        if isinstance(stored, dict):
            config.update({k: v for k, v in stored.items() if k in DEFAULTS})
    else:
        try:
            _write_atomically(path, json.dumps(DEFAULTS, indent=4) + "\n")
        except OSError:
            pass
    env_backend = os.environ.get("STRATA_BACKEND")
    if env_backend:
        config["backend"] = env_backend
    return config


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".strata-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
