"""Files and menus: exported scripts run, weights load, custom layers join the palette, recent files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from app.conversion import to_model
from app.templates import available_templates
from engine.models.summary import summary_rows
from tests.app.helpers import drop_from_palette, node_named

ROOT = Path(__file__).resolve().parents[2]


def _rows(model):
    return [(r["name"], r["class_name"], r["output_shape"], r["params"], r["trainable"]) for r in summary_rows(model)]


def test_exported_script_runs_and_builds_the_same_model(window, tmp_path):
    checked = 0
    for template in available_templates():
        window.open_template(template)
        script = tmp_path / f"model_{checked}.py"
        assert window.export_script_to(script)
        namespace: dict = {}
        exec(compile(script.read_text(), str(script), "exec"), namespace)  # noqa: S102 - our own export
        assert _rows(namespace["model"]) == _rows(to_model(window.doc)), template.title
        checked += 1
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(script)], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Total params" in result.stdout


def test_load_weights_into_the_design(window, tmp_path):
    model = to_model(window.doc)
    path = tmp_path / "digits.weights.h5"
    model.save_weights(path)
    from app.files import load_weights_into

    assert load_weights_into(window.doc, path) == 2
    x = np.random.default_rng(1).random((3, 8, 8)).astype("float32")
    np.testing.assert_array_equal(to_model(window.doc).predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_layers_join_the_palette_and_save(window, tmp_path):
    source = tmp_path / "my_layers.py"
    source.write_text(
        textwrap.dedent(
            """
            from engine.layers.layer import Layer
            from engine.saving.object_registration import register_serializable


            @register_serializable(package="Studio")
            class TimesTwo(Layer):
                def call(self, inputs):
                    return inputs * 2.0

                def compute_output_shape(self, input_shape):
                    return input_shape
            """
        )
    )
    window.load_custom_layers(source)
    item = window.palette.item_for("TimesTwo")
    assert item is not None and item.parent().text(0) == "Custom"
    window.canvas.select_keys([node_named(window, "digit").id])
    window.add_after_selection("TimesTwo")
    assert window.doc.analysis.ok
    path = tmp_path / "custom.h5"
    assert window.save_to(path)
    assert window.open_path(path)
    assert window.doc.node_by_name("times_two").class_name == "TimesTwo"


def test_recent_files_menu_lists_saved_files(window, tmp_path):
    path = tmp_path / "first.h5"
    assert window.save_to(path)
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts == ["first.h5"]
    drop_from_palette(window, "Dense", 300, 300)
    assert "•" in window.windowTitle()  # unsaved changes are shown


def test_every_menu_entry_is_connected(window):
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if action.isSeparator() or action.menu() is not None:
                continue
            assert (
                action.receivers("2triggered(bool)") > 0
                or action in (window.undo_action, window.redo_action)
                or (action.isCheckable())
            ), action.text()


def test_autosave_and_recovery(window, qtbot):
    assert window.autosave() is None  # nothing unsaved yet
    drop_from_palette(window, "Dense", 300, 300)
    assert window.autosave() is None  # the new Dense is unconnected: an invalid design is not autosaved
    window.stack.undo()
    window.canvas.select_keys([node_named(window, "digit").id])
    window.add_after_selection("Dense")
    path = window.autosave()
    assert path is not None and path.exists()
    from app.main_window import MainWindow

    after_crash = MainWindow()  # a new session finds the file
    qtbot.addWidget(after_crash)
    after_crash.confirm_discard = lambda: True
    assert after_crash.recover_menu.isEnabled() and len(after_crash.recover_menu.actions()) == 1
    after_crash.recover_menu.actions()[0].trigger()
    assert len(after_crash.doc.nodes) == 6 and not path.exists()
    assert not after_crash.stack.isClean()
    after_crash.stack.setClean()


def test_theme_choice_is_remembered(window, qtbot):
    from app.main_window import MainWindow

    assert window.theme == "dark" and window.theme_actions["dark"].isChecked()
    window.theme_actions["light"].trigger()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.theme == "light" and again.canvas.canvas_palette.background == "#fbfbfc"
    again.set_theme("dark")
