"""``strata`` on the command line, and a screenshot of the main window kept as an artifact."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from app.__main__ import main
from tests.app.helpers import drop_from_palette, node_named

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def test_help_lists_the_options(capsys):
    try:
        main(["--help"])
    except SystemExit as stop:
        assert stop.code == 0
    out = capsys.readouterr().out
    assert "--screenshot" in out and "--quit" in out and "--theme" in out


def test_screenshot_of_the_demo_and_quit(qtbot, tmp_path):
    out = tmp_path / "demo.png"
    assert main(["--screenshot", str(out), "--quit", "--size", "1280x800"]) == 0
    image = QImage(str(out))
    assert image.width() == 1280 and image.height() == 800


def test_open_a_file_from_the_command_line(qtbot, tmp_path):
    from app.files import save_document
    from app.templates import demo_document

    path = tmp_path / "model.json"
    save_document(demo_document(), path)
    assert main([str(path), "--screenshot", str(tmp_path / "m.png"), "--quit"]) == 0


def test_a_file_that_cannot_be_opened_is_a_clear_error(qtbot, tmp_path, capsys):
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not hdf5")
    assert main([str(bad), "--screenshot", str(tmp_path / "x.png"), "--quit"]) == 2
    assert "strata: cannot open" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()
    assert main([str(tmp_path / "missing.h5"), "--quit"]) == 2


def test_main_window_screenshots(window, qtbot):
    """Keeps artifacts/studio.png (demo, dark), studio_error.png and studio_light.png to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    window.resize(1400, 860)
    window.canvas.fit_all()
    window.canvas.select_keys([node_named(window, "hidden").id])
    qtbot.wait(5)
    assert window.grab().save(str(ARTIFACTS / "studio.png"))
    drop_from_palette(window, "Conv2D", 260, 240)
    conv = list(window.doc.nodes.values())[-1]
    window.canvas_controller.connect_ports(node_named(window, "pixels").id, 0, conv.id, 0)
    window.problems_dock.raise_()
    window.canvas.select_keys([conv.id])
    qtbot.wait(5)
    assert window.grab().save(str(ARTIFACTS / "studio_error.png"))
    window.set_theme("light")
    qtbot.wait(5)
    assert window.grab().save(str(ARTIFACTS / "studio_light.png"))
    window.set_theme("dark")
