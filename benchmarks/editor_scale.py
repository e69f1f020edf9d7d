"""Editor scale: open a 300-node ResNet-style graph, lay it out, and re-validate after one edit.

Targets (issue 5): open + layout under 2 s, one edit's re-validation under 100 ms.
Run with ``QT_QPA_PLATFORM=offscreen python -m benchmarks.editor_scale``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def resnet_style_model(blocks: int = 74, width: int = 32):
    """Input -> Dense stem -> ``blocks`` x (Dense, ReLU, Dense, Add with the block input) -> Dense head."""
    from engine import layers
    from engine.models import Model

    inputs = layers.Input((width,), name="features")
    x = layers.Dense(width, name="stem")(inputs)
    for index in range(blocks):
        y = layers.Dense(width, name=f"block{index}_dense_a")(x)
        y = layers.ReLU(name=f"block{index}_relu")(y)
        y = layers.Dense(width, name=f"block{index}_dense_b")(y)
        x = layers.Add(name=f"block{index}_add")([x, y])
    outputs = layers.Dense(10, activation="softmax", name="head")(x)
    return Model(inputs, outputs, name="resnet_style")


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from app.conversion import from_model
    from app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    model = resnet_style_model()
    count = len(model.layers)

    start = time.perf_counter()
    doc = from_model(model)  # nodes, edges, engine validation of every node, layered layout
    document_s = time.perf_counter() - start

    window = MainWindow()
    window.stack.setClean()
    start = time.perf_counter()
    window.set_document(doc)
    app.processEvents()
    canvas_s = time.perf_counter() - start

    node = window.doc.node_by_name("block37_dense_a")
    timings = []
    for activation in ("tanh", "relu", "sigmoid", "elu", "linear"):
        config = {**node.config, "activation": activation}
        start = time.perf_counter()
        window.doc.set_config(node.id, config)  # re-validates the whole graph and redraws what changed
        timings.append(time.perf_counter() - start)
    edit_ms = 1000 * sorted(timings)[len(timings) // 2]
    assert window.doc.analysis.ok

    print(f"graph: {count} layers, {len(window.doc.edges)} connections")
    print(f"open + validate + layout (document): {document_s:.3f} s")
    print(f"open + layout including drawing the canvas: {document_s + canvas_s:.3f} s (target < 2 s)")
    print(f"one edit's re-validation (median of 5): {edit_ms:.1f} ms (target < 100 ms)")
    window.stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()


if __name__ == "__main__":
    main()
