"""The Qt binding keeps Python's reference counts straight (PySide6 6.12.0 does not under Python 3.11)."""

from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtWidgets import QLabel


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_calls_do_not_drop_references_to_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(200):
        label.setText("x")
    gc.collect()
    assert sys.getrefcount(None) - before >= 0, (
        "This PySide6 build drops a reference to None on every void call, so the studio would crash after a "
        "few thousand calls (PySide6 6.12.0 on Python 3.11). Install another version: "
        "pip install 'PySide6-Essentials>=6.8,!=6.12.0'."
    )
