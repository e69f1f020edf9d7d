"""A node-graph canvas on QGraphicsView: boxes with ports, curved edges, drag-to-connect.

It draws neutral ``NodeSpec`` descriptions and reports what the user asks for
through signals (connect, move, delete, drop, quick-add); the owner decides what
happens and tells the canvas what to draw. Data flows top to bottom: input
ports on a node's top edge, output ports on its bottom edge.

Written on QGraphicsView rather than NodeGraphQt so that the canvas stays a
view of the app's own document (NodeGraphQt keeps its own graph model and
undo stack, which would be a second source of truth next to the document).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

NODE_WIDTH = 210.0
NODE_HEIGHT = 84.0
PORT_RADIUS = 6.0
DETOUR_MARGIN = 28.0  # how far right of the blocking boxes a long edge runs


@dataclass
class NodeSpec:
    """What a node box shows."""

    key: int
    title: str
    subtitle: str = ""
    detail: str = ""
    shape: str = ""
    inputs: int = 1
    outputs: int = 1
    error: str | None = None
    muted: bool = False  # an upstream problem hides this node's result
    locked: bool = False
    accent: str = "#5b8def"
    badge: str = ""  # e.g. "shared"
    tooltip: str = ""


@dataclass
class CanvasPalette:
    """Colours of the canvas, set by the app's theme."""

    background: str = "#1e2127"
    grid: str = "#262a31"
    node: str = "#2b3038"
    node_border: str = "#3d434d"
    text: str = "#e6e9ef"
    muted_text: str = "#9aa3b2"
    shape_text: str = "#8fd0a8"
    error: str = "#e5534b"
    selection: str = "#f0b429"
    edge: str = "#7d8796"
    port: str = "#c3cad6"
    extra: dict[str, str] = field(default_factory=dict)


class PortItem(QGraphicsItem):
    """An input or output port; drags from output ports start a connection."""

    def __init__(self, node: NodeItem, is_output: bool, index: int) -> None:
        super().__init__(node)
        self.node = node
        self.is_output = is_output
        self.index = index
        self.setAcceptHoverEvents(True)
        self._hover = False
        self.setZValue(2)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        r = PORT_RADIUS + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        colors = self.node.canvas_palette
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = PORT_RADIUS + (2 if self._hover else 0)
        painter.setPen(QPen(QColor(colors.background), 2))
        painter.setBrush(QColor(colors.selection if self._hover else colors.port))
        painter.drawEllipse(QPointF(0, 0), radius, radius)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802, ANN001
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802, ANN001
        self._hover = False
        self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802, ANN001
        if self.is_output and event.button() == Qt.MouseButton.LeftButton:
            self.node.canvas().begin_connection(self)
            event.accept()
            return
        super().mousePressEvent(event)


class NodeItem(QGraphicsItem):
    """One node box."""

    def __init__(self, spec: NodeSpec, canvas_palette: CanvasPalette) -> None:
        super().__init__()
        self.spec = spec
        self.canvas_palette = canvas_palette
        self.in_ports: list[PortItem] = []
        self.out_ports: list[PortItem] = []
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(1)
        self.set_spec(spec)

    def canvas(self) -> NodeCanvas:
        return self.scene().views()[0]

    def set_spec(self, spec: NodeSpec) -> None:
        self.prepareGeometryChange()
        self.spec = spec
        for port in self.in_ports + self.out_ports:
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        self.in_ports = [PortItem(self, False, i) for i in range(spec.inputs)]
        self.out_ports = [PortItem(self, True, i) for i in range(spec.outputs)]
        for ports, y in ((self.in_ports, -NODE_HEIGHT / 2), (self.out_ports, NODE_HEIGHT / 2)):
            for i, port in enumerate(ports):
                port.setPos(_port_x(i, len(ports)), y)
        tip = spec.error or spec.tooltip
        self.setToolTip(tip)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802
        return QRectF(-NODE_WIDTH / 2 - 4, -NODE_HEIGHT / 2 - 4, NODE_WIDTH + 8, NODE_HEIGHT + 8)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        colors = self.canvas_palette
        spec = self.spec
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(-NODE_WIDTH / 2, -NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT)
        body = QColor(colors.node)
        if spec.error:
            body = _mix(body, QColor(colors.error), 0.22)
        border = QColor(colors.error if spec.error else colors.node_border)
        if self.isSelected():
            border = QColor(colors.selection)
        painter.setPen(QPen(border, 2.2 if (self.isSelected() or spec.error) else 1.2))
        painter.setBrush(body)
        painter.drawRoundedRect(rect, 7, 7)
        # accent strip on the left names the layer family
        strip = QPainterPath()
        strip.addRoundedRect(QRectF(rect.left(), rect.top(), 7, rect.height()), 3, 3)
        painter.fillPath(strip, QColor(colors.error if spec.error else spec.accent))

        left = rect.left() + 16
        width = rect.width() - 28
        title_font = QFont(painter.font())
        title_font.setPointSizeF(10.0)
        title_font.setBold(True)
        small = QFont(painter.font())
        small.setPointSizeF(8.5)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(8.5)

        subtitle_metrics = QFontMetrics(small)
        subtitle = subtitle_metrics.elidedText(spec.subtitle, Qt.TextElideMode.ElideRight, int(width * 0.45))
        subtitle_width = subtitle_metrics.horizontalAdvance(subtitle)
        title_rect = QRectF(left, rect.top() + 8, width - 4, 18)
        painter.setFont(title_font)
        painter.setPen(QColor(colors.text))
        title = QFontMetrics(title_font).elidedText(
            spec.title, Qt.TextElideMode.ElideRight, int(width - subtitle_width - 10 - (14 if spec.locked else 0))
        )
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        painter.setFont(small)
        painter.setPen(QColor(colors.muted_text))
        painter.drawText(title_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, subtitle)
        detail = spec.detail + (f"  [{spec.badge}]" if spec.badge else "")
        if spec.error:  # the engine's message, wrapped over the detail and shape rows
            painter.setPen(QColor(colors.text))
            painter.drawText(
                QRectF(left, rect.top() + 28, width, rect.height() - 34),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                _clip_lines(spec.error, QFontMetrics(small), width, 3),
            )
        else:
            painter.drawText(
                QRectF(left, rect.top() + 28, width, 16),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                QFontMetrics(small).elidedText(detail, Qt.TextElideMode.ElideRight, int(width)),
            )
            painter.setFont(mono)
            painter.setPen(QColor(colors.muted_text if spec.muted else colors.shape_text))
            painter.drawText(
                QRectF(left, rect.top() + 50, width, 18),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                QFontMetrics(mono).elidedText(spec.shape, Qt.TextElideMode.ElideRight, int(width)),
            )
        if spec.locked:
            _draw_lock(painter, QPointF(rect.right() - 16, rect.top() + 56), QColor(colors.selection))

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802, ANN001
        self.canvas().nodeDoubleClicked.emit(self.spec.key)
        super().mouseDoubleClickEvent(event)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        int(a.red() + (b.red() - a.red()) * t),
        int(a.green() + (b.green() - a.green()) * t),
        int(a.blue() + (b.blue() - a.blue()) * t),
    )


def _clip_lines(text: str, metrics: QFontMetrics, width: float, lines: int) -> str:
    """``text`` word-wrapped to at most ``lines`` lines of ``width``, the last one elided."""
    words, out, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if metrics.horizontalAdvance(trial) <= width or not current:
            current = trial
        else:
            out.append(current)
            current = word
    out.append(current)
    if len(out) > lines:
        out = out[: lines - 1] + [
            metrics.elidedText(" ".join(out[lines - 1 :]), Qt.TextElideMode.ElideRight, int(width))
        ]
    return "\n".join(out)


def _port_x(index: int, count: int) -> float:
    if count <= 1:
        return 0.0
    span = min(NODE_WIDTH - 40, 34.0 * (count - 1))
    return -span / 2 + span * index / (count - 1)


def _draw_lock(painter: QPainter, center: QPointF, color: QColor) -> None:
    painter.save()
    painter.setPen(QPen(color, 1.6))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(QRectF(center.x() - 4, center.y() - 9, 8, 9), 0, 180 * 16)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(center.x() - 6, center.y() - 4, 12, 9), 1.5, 1.5)
    painter.restore()


class EdgeItem(QGraphicsPathItem):
    """A curved connection from an output port to an input port."""

    def __init__(self, key: object, source: PortItem, target: PortItem, canvas_palette: CanvasPalette) -> None:
        super().__init__()
        self.key = key
        self.source = source
        self.target = target
        self.canvas_palette = canvas_palette
        self.setZValue(0)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.update_path()

    def update_path(self) -> None:
        """A plain curve, or a detour to the right of the boxes that the curve would run behind."""
        start, end = self.source.scenePos(), self.target.scenePos()
        path = _curve(start, end)
        scene = self.scene()
        if scene is not None and end.y() - start.y() > NODE_HEIGHT * 1.5:
            ends = (self.source.node, self.target.node)
            stroke = _stroke(path, 4.0)
            blockers = [
                item.sceneBoundingRect()
                for item in scene.items(stroke, Qt.ItemSelectionMode.IntersectsItemBoundingRect)
                if isinstance(item, NodeItem) and item not in ends
            ]
            if blockers:
                path = _detour(start, end, max(rect.right() for rect in blockers) + DETOUR_MARGIN)
        self.setPath(path)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        colors = self.canvas_palette
        color = QColor(colors.selection if self.isSelected() else colors.edge)
        if self.target.node.spec.error:
            color = QColor(colors.error)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color, 2.0 if self.isSelected() else 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())

    def shape(self) -> QPainterPath:
        return _stroke(self.path(), 10.0)


def _stroke(path: QPainterPath, width: float) -> QPainterPath:
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    return stroker.createStroke(path)


def _curve(start: QPointF, end: QPointF) -> QPainterPath:
    path = QPainterPath(start)
    bend = max(40.0, abs(end.y() - start.y()) * 0.5)
    path.cubicTo(QPointF(start.x(), start.y() + bend), QPointF(end.x(), end.y() - bend), end)
    return path


def _detour(start: QPointF, end: QPointF, lane_x: float) -> QPainterPath:
    """Down from the output port, out to a vertical lane at ``lane_x``, along it, and back into the input port."""
    turn = min(60.0, (end.y() - start.y()) / 3)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x(), start.y() + turn), QPointF(lane_x, start.y()), QPointF(lane_x, start.y() + turn))
    path.lineTo(QPointF(lane_x, end.y() - turn))
    path.cubicTo(QPointF(lane_x, end.y()), QPointF(end.x(), end.y() - turn), end)
    return path


class NodeCanvas(QGraphicsView):
    """The editor view. Keys of nodes and edges are chosen by the owner."""

    connectRequested = Signal(object, int, object, int)  # noqa: N815 - source key, source port, target key, target port
    nodesMoved = Signal(list)  # noqa: N815 - [(key, old_x, old_y, new_x, new_y)] when a drag ends
    deleteRequested = Signal(list, list)  # noqa: N815 - node keys, edge keys
    dropRequested = Signal(str, float, float)  # noqa: N815 - mime payload, scene x, y
    quickAddRequested = Signal(float, float)  # noqa: N815 - scene point under the cursor
    contextMenuRequested = Signal(list, object)  # noqa: N815 - selected node keys, global QPoint
    selectionChanged = Signal(list)  # noqa: N815 - node keys
    nodeDoubleClicked = Signal(object)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas_palette = CanvasPalette()
        self._scene = QGraphicsScene(self)
        self._scene.setSceneRect(-20000, -20000, 40000, 40000)
        self.setScene(self._scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nodes: dict[object, NodeItem] = {}
        self.edges: dict[object, EdgeItem] = {}
        self._accepted_mime = "text/plain"
        self._pending: QGraphicsPathItem | None = None
        self._pending_port: PortItem | None = None
        self._press_positions: dict[object, QPointF] = {}
        self._pan_origin: QPointF | None = None
        self._scene.selectionChanged.connect(self._emit_selection)
        # Moving or adding boxes can put them in the way of edges that do not touch them: one deferred pass
        # re-routes every edge after a batch of changes (a loaded model, an auto layout, a drag).
        self._reroute = QTimer(self)
        self._reroute.setSingleShot(True)
        self._reroute.setInterval(0)
        self._reroute.timeout.connect(self.reroute_edges)
        self.apply_palette(self.canvas_palette)

    # -- appearance ----------------------------------------------------------
    def apply_palette(self, canvas_palette: CanvasPalette) -> None:
        self.canvas_palette = canvas_palette
        self.setBackgroundBrush(QBrush(QColor(canvas_palette.background)))
        for item in list(self.nodes.values()) + list(self.edges.values()):
            item.canvas_palette = canvas_palette
            item.update()
        self.viewport().update()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        super().drawBackground(painter, rect)
        step = 40
        painter.setPen(QPen(QColor(self.canvas_palette.grid), 1))
        left = int(rect.left()) - int(rect.left()) % step
        top = int(rect.top()) - int(rect.top()) % step
        lines = []
        from PySide6.QtCore import QLineF

        x = left
        while x < rect.right():
            lines.append(QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            lines.append(QLineF(rect.left(), y, rect.right(), y))
            y += step
        painter.drawLines(lines)

    def set_accepted_mime_type(self, mime: str) -> None:
        self._accepted_mime = mime

    # -- content -------------------------------------------------------------
    def set_node(self, spec: NodeSpec, x: float | None = None, y: float | None = None) -> NodeItem:
        """Add a node or update an existing one (position only when given)."""
        item = self.nodes.get(spec.key)
        if item is None:
            item = NodeItem(spec, self.canvas_palette)
            self.nodes[spec.key] = item
            self._scene.addItem(item)
            self._reroute.start()
        else:
            item.set_spec(spec)
        if x is not None and y is not None:
            self.move_node(spec.key, x, y)
        for edge in self.edges.values():
            if edge.source.node is item or edge.target.node is item:
                self._rebind(edge)
        return item

    def _rebind(self, edge: EdgeItem) -> None:
        src, dst = edge.source.node, edge.target.node
        edge.source = src.out_ports[min(edge.source.index, len(src.out_ports) - 1)]
        edge.target = dst.in_ports[min(edge.target.index, len(dst.in_ports) - 1)]
        edge.update_path()

    def move_node(self, key: object, x: float, y: float) -> None:
        item = self.nodes[key]
        if item.pos() != QPointF(x, y):
            item.setPos(x, y)
            self._node_moved(item)

    def remove_node(self, key: object) -> None:
        item = self.nodes.pop(key, None)
        if item is not None:
            self._scene.removeItem(item)

    def add_edge(self, key: object, source: object, source_port: int, target: object, target_port: int) -> None:
        self.remove_edge(key)
        src, dst = self.nodes[source], self.nodes[target]
        edge = EdgeItem(
            key,
            src.out_ports[min(source_port, len(src.out_ports) - 1)],
            dst.in_ports[min(target_port, len(dst.in_ports) - 1)],
            self.canvas_palette,
        )
        self.edges[key] = edge
        self._scene.addItem(edge)
        edge.update_path()  # now that it is in the scene, it can see the boxes in its way

    def remove_edge(self, key: object) -> None:
        edge = self.edges.pop(key, None)
        if edge is not None:
            self._scene.removeItem(edge)

    def clear(self) -> None:
        for key in list(self.edges):
            self.remove_edge(key)
        for key in list(self.nodes):
            self.remove_node(key)

    def _node_moved(self, item: NodeItem) -> None:
        for edge in self.edges.values():
            if edge.source.node is item or edge.target.node is item:
                edge.update_path()
        self._reroute.start()

    def reroute_edges(self) -> None:
        """Recompute every edge's route (curves around the boxes in their way)."""
        for edge in self.edges.values():
            edge.update_path()

    # -- selection and view ----------------------------------------------------
    def _emit_selection(self) -> None:
        try:
            keys = self.selected_keys()
        except RuntimeError:  # items already destroyed while the view closes
            return
        self.selectionChanged.emit(keys)

    def selected_keys(self) -> list[object]:
        return [k for k, item in self.nodes.items() if item.isSelected()]

    def selected_edge_keys(self) -> list[object]:
        return [k for k, item in self.edges.items() if item.isSelected()]

    def select_keys(self, keys: list[object], center: bool = False) -> None:
        blocked = self._scene.blockSignals(True)
        self._scene.clearSelection()
        for key in keys:
            if key in self.nodes:
                self.nodes[key].setSelected(True)
        self._scene.blockSignals(blocked)
        self.selectionChanged.emit(self.selected_keys())
        if center and keys and keys[0] in self.nodes:
            self.centerOn(self.nodes[keys[0]])

    def fit_all(self) -> None:
        """Zoom and scroll so every node is visible (never zooming in past 100%)."""
        if not self.nodes:
            self.resetTransform()
            self.centerOn(0, 0)
            return
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        rect.adjust(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.0:
            self.resetTransform()
            self.centerOn(rect.center())

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(0.1 / current, min(3.0 / current, factor))
        self.scale(factor, factor)

    def port_scene_pos(self, key: object, is_output: bool, index: int) -> QPointF:
        item = self.nodes[key]
        return (item.out_ports if is_output else item.in_ports)[index].scenePos()

    # -- connecting ------------------------------------------------------------
    def begin_connection(self, port: PortItem) -> None:
        self._pending_port = port
        self._pending = QGraphicsPathItem()
        self._pending.setPen(QPen(QColor(self.canvas_palette.selection), 2, Qt.PenStyle.DashLine))
        self._pending.setZValue(3)
        self._scene.addItem(self._pending)
        self._pending.setPath(_curve(port.scenePos(), port.scenePos()))

    def _finish_connection(self, scene_pos: QPointF) -> None:
        source = self._pending_port
        self._scene.removeItem(self._pending)
        self._pending = None
        self._pending_port = None
        target = self._input_port_at(scene_pos)
        if source is not None and target is not None and target.node is not source.node:
            self.connectRequested.emit(source.node.spec.key, source.index, target.node.spec.key, target.index)

    def _input_port_at(self, scene_pos: QPointF) -> PortItem | None:
        for item in self._scene.items(QRectF(scene_pos.x() - 10, scene_pos.y() - 10, 20, 20)):
            if isinstance(item, PortItem) and not item.is_output:
                return item
        for item in self._scene.items(scene_pos):  # dropped on a node body: its last (free) input
            if isinstance(item, NodeItem) and item.in_ports:
                return item.in_ports[-1]
        return None

    # -- events ------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802, ANN001
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_origin = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)
        self._press_positions = {k: QPointF(item.pos()) for k, item in self.nodes.items() if item.isSelected()}

    def mouseMoveEvent(self, event) -> None:  # noqa: N802, ANN001
        if self._pan_origin is not None:
            delta = event.position() - self._pan_origin
            self._pan_origin = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            return
        if self._pending is not None:
            self._pending.setPath(_curve(self._pending_port.scenePos(), self.mapToScene(event.position().toPoint())))
            return
        super().mouseMoveEvent(event)
        if self._press_positions:  # nodes being dragged: their edges follow
            moved = [self.nodes[k] for k in self._press_positions if k in self.nodes]
            for edge in self.edges.values():
                if edge.source.node in moved or edge.target.node in moved:
                    edge.update_path()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802, ANN001
        if self._pan_origin is not None:
            self._pan_origin = None
            self.unsetCursor()
            return
        if self._pending is not None:
            self._finish_connection(self.mapToScene(event.position().toPoint()))
            return
        super().mouseReleaseEvent(event)
        moves = []
        for key, old in self._press_positions.items():
            item = self.nodes.get(key)
            if item is not None and item.pos() != old:
                moves.append((key, old.x(), old.y(), item.pos().x(), item.pos().y()))
        self._press_positions = {}
        if moves:
            self._reroute.start()
            self.nodesMoved.emit(moves)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(1.15**steps)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            nodes, edges = self.selected_keys(), self.selected_edge_keys()
            if nodes or edges:
                self.deleteRequested.emit(nodes, edges)
            return
        if event.key() == Qt.Key.Key_Tab:
            point = self.mapToScene(self.mapFromGlobal(self.cursor().pos()))
            if not self.rect().contains(self.mapFromScene(point)):
                point = self.mapToScene(self.viewport().rect().center())
            self.quickAddRequested.emit(point.x(), point.y())
            return
        if event.key() == Qt.Key.Key_F:
            self.fit_all()
            return
        super().keyPressEvent(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 - Tab belongs to the canvas
        return False

    def contextMenuEvent(self, event) -> None:  # noqa: N802, ANN001
        item = self.itemAt(event.pos())
        while item is not None and not isinstance(item, NodeItem):
            item = item.parentItem()
        if isinstance(item, NodeItem) and not item.isSelected():
            self.select_keys([item.spec.key])
        self.contextMenuRequested.emit(self.selected_keys(), event.globalPos())

    def dragEnterEvent(self, event) -> None:  # noqa: N802, ANN001
        if event.mimeData().hasFormat(self._accepted_mime):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802, ANN001
        if event.mimeData().hasFormat(self._accepted_mime):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802, ANN001
        data = event.mimeData()
        if not data.hasFormat(self._accepted_mime):
            event.ignore()
            return
        payload = bytes(data.data(self._accepted_mime)).decode("utf-8")
        point = self.mapToScene(event.position().toPoint())
        event.acceptProposedAction()
        self.dropRequested.emit(payload, point.x(), point.y())
