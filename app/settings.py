"""Where the studio keeps its settings (recent files, theme): ``$STRATA_HOME`` or ``~/.strata``."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings


def strata_home() -> Path:
    return Path(os.environ.get("STRATA_HOME") or Path.home() / ".strata")


def studio_settings() -> QSettings:
    path = strata_home() / "studio.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


MAX_RECENT = 8


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recent_files", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or []]


def add_recent_file(settings: QSettings, path: str) -> list[str]:
    files = [path] + [p for p in recent_files(settings) if p != path]
    settings.setValue("recent_files", files[:MAX_RECENT])
    return files[:MAX_RECENT]
