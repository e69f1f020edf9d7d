"""engine.applications in the Templates menu: each opens as a valid graph with Keras's parameter count."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# Keras's published totals (keras.io/api/applications) for the default 224x224x3 input with the top.
PUBLISHED = {"ResNet50": 25_636_712, "MobileNetV2": 3_538_984}


def _template(title: str):
    from app.templates import application_templates

    return next(t for t in application_templates() if t.title == title)


def test_every_application_is_in_the_applications_submenu(window):
    from app.templates import application_templates

    templates = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Templates")
    applications = next(a.menu() for a in templates.actions() if a.menu() is not None and a.text() == "&Applications")
    titles = [a.text() for a in applications.actions()]
    assert titles == [t.title for t in application_templates()]
    assert {"VGG16", "ResNet50", "MobileNetV2", "InceptionV3", "DenseNet121", "NASNetLarge"} <= set(titles)


@pytest.mark.parametrize("title", ["ResNet50", "MobileNetV2"])
def test_application_opens_as_a_valid_graph(window, qtbot, title):
    import engine.applications

    start = time.perf_counter()
    window.open_template(_template(title))
    elapsed = time.perf_counter() - start
    model = getattr(engine.applications, title)(weights=None)
    doc = window.doc
    assert len(doc.nodes) == len(model.layers)
    assert len(window.canvas.nodes) == len(model.layers)
    analysis = doc.analysis
    assert analysis.problems == []
    assert analysis.totals[0] == PUBLISHED[title] == model.count_params()
    assert f"{PUBLISHED[title]:,}" in window.status_label.text()
    merges = [n for n in doc.nodes.values() if n.class_name in ("Add", "Concatenate")]
    assert merges and all(len(doc.inbound(n.id)) == 2 for n in merges)
    assert window.stack.isClean() and elapsed < 10
    assert window.canvas.transform().m11() >= 0.3  # readable, not a hairline of 177 nodes
    first = window.canvas.nodes[next(n.id for n in doc.nodes.values() if n.class_name == "InputLayer")]
    assert window.canvas.mapToScene(window.canvas.viewport().rect()).boundingRect().contains(first.sceneBoundingRect())
    qtbot.wait(200)  # the inspector refreshes on the next event-loop turn
    if title == "ResNet50":
        ARTIFACTS.mkdir(exist_ok=True)
        assert window.grab().save(str(ARTIFACTS / "studio_resnet50.png"))
