"""The studio's main window: canvas in the middle, palette, inspector, summary and problems docks around it."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTextBrowser,
)

from app import catalog, clipboard
from app.canvas_controller import CanvasController
from app.commands import MoveCommand, PasteCommand, SetLookCommand
from app.document import DesignDocument
from app.export_script import export_script
from app.files import OPEN_SUFFIXES, load_weights_into, open_document, save_document
from app.inspector_controller import InspectorController
from app.layout import ROW_HEIGHT, layered_layout
from app.settings import add_recent_file, recent_files, strata_home, studio_settings
from app.templates import application_templates, available_templates, demo_document
from app.theme import apply_theme
from widgets import MIME_TYPE, NodeCanvas, PaletteWidget, ProblemsList, PropertyForm, QuickAddPopup, SummaryTable

GUIDE = Path(__file__).resolve().parent / "guide" / "guide.md"
AUTOSAVE_MS = 60_000
NODE_COLOURS = [
    ("Layer Family (Default)", ""),
    ("Red", "#e5534b"),
    ("Orange", "#e0823d"),
    ("Yellow", "#e5c07b"),
    ("Green", "#57ab5a"),
    ("Blue", "#539bf5"),
    ("Purple", "#b083f0"),
]
FILE_FILTER = (
    "Models (*.h5 *.hdf5 *.keras *.json *.yaml *.yml);;HDF5 models (*.h5 *.hdf5);;Architecture (*.json *.yaml *.yml)"
)


class MainWindow(QMainWindow):
    """One design document being edited."""

    def __init__(self, doc: DesignDocument | None = None, theme: str | None = None) -> None:
        super().__init__()
        self.settings = studio_settings()
        self.doc = doc if doc is not None else demo_document()
        self.path: Path | None = None
        self.stack = QUndoStack(self)
        theme = theme or str(self.settings.value("theme", "dark"))
        self.theme = theme if theme in ("dark", "light") else "dark"

        self.canvas = NodeCanvas()
        self.canvas.set_accepted_mime_type(MIME_TYPE)
        self.setCentralWidget(self.canvas)
        self.palette = PaletteWidget()
        self.form = PropertyForm()
        self.summary = SummaryTable()
        self.problems = ProblemsList()
        self.guide = QTextBrowser()
        self.guide.setOpenExternalLinks(True)
        self.guide.setMarkdown(GUIDE.read_text(encoding="utf-8"))
        self.palette_dock = self._dock("Layers", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", self.form, Qt.DockWidgetArea.RightDockWidgetArea)
        self.summary_dock = self._dock("Summary", self.summary, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.problems_dock = self._dock("Problems", self.problems, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.guide_dock = self._dock("Guide", self.guide, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.summary_dock, self.problems_dock)
        self.tabifyDockWidget(self.inspector_dock, self.guide_dock)
        self.summary_dock.raise_()
        self.inspector_dock.raise_()
        self.guide_dock.hide()
        self.resizeDocks([self.palette_dock, self.inspector_dock], [235, 320], Qt.Orientation.Horizontal)
        self.resizeDocks([self.summary_dock], [210], Qt.Orientation.Vertical)

        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)

        self.canvas_controller = CanvasController(self.doc, self.canvas, self.stack)
        self.inspector = InspectorController(self.doc, self.form, self.stack)
        self.doc.subscribe(self._on_doc_event)
        self.canvas.selectionChanged.connect(self.inspector.show)
        self.canvas.contextMenuRequested.connect(self._context_menu)
        self.canvas.quickAddRequested.connect(self.open_quick_add)
        self.canvas.nodeDoubleClicked.connect(self._edit_node)
        self.problems.problemActivated.connect(self.select_node)
        self.palette.activated.connect(self.add_after_selection)
        self.stack.cleanChanged.connect(self._update_title)
        self.refresh_palette()
        self._build_actions()
        self._add_training_dashboard()
        self.set_theme(self.theme, remember=False)
        self._refresh_views()
        self._update_title()
        self.resize(1400, 860)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        if self.recover_menu.isEnabled():
            self.statusBar().showMessage("An autosaved design can be recovered: File → Recover Autosave", 15000)

    # -- construction -------------------------------------------------------------
    def _dock(self, title: str, widget, area: Qt.DockWidgetArea) -> QDockWidget:  # noqa: ANN001
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title}Dock")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu: QMenu, text: str, slot, shortcut=None, tip: str = "") -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_action = self._action(file_menu, "&New", self.new_document, QKeySequence.StandardKey.New)
        self.open_action = self._action(file_menu, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recover_menu = file_menu.addMenu("Recover &Autosave")
        file_menu.addSeparator()
        self.save_action = self._action(file_menu, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(file_menu, "Save &As…", self.save_as, QKeySequence.StandardKey.SaveAs)
        file_menu.addSeparator()
        self._action(file_menu, "Load &Weights…", lambda: self.load_weights_dialog(by_name=False))
        self._action(file_menu, "Load Weights by &Name…", lambda: self.load_weights_dialog(by_name=True))
        self._action(file_menu, "Export Architecture as &JSON…", lambda: self.export_dialog(".json"))
        self._action(file_menu, "Export Architecture as &YAML…", lambda: self.export_dialog(".yaml"))
        self._action(file_menu, "Export &Python Script…", self.export_script_dialog)
        self._action(file_menu, "Load &Custom Layers…", self.load_custom_layers_dialog)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        self._update_recent_menu()
        self._update_recover_menu()

        edit = bar.addMenu("&Edit")
        self.undo_action = self.stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        self._action(edit, "Cu&t", self.cut, QKeySequence.StandardKey.Cut)
        self._action(edit, "&Copy", self.copy, QKeySequence.StandardKey.Copy)
        self._action(edit, "&Paste", self.paste, QKeySequence.StandardKey.Paste)
        self._action(edit, "&Duplicate", self.duplicate, "Ctrl+D")
        self._action(edit, "De&lete", self.delete_selection)
        self._action(
            edit,
            "Select &All",
            lambda: self.canvas.select_keys(list(self.doc.nodes)),
            QKeySequence.StandardKey.SelectAll,
        )
        edit.addSeparator()
        self._action(edit, "&Freeze Selected", lambda: self.set_selection_trainable(False), "Ctrl+K")
        self._action(edit, "Un&freeze Selected", lambda: self.set_selection_trainable(True), "Ctrl+Shift+K")

        view = bar.addMenu("&View")
        self._action(view, "&Fit to View", self.canvas.fit_all, "Ctrl+0")
        self._action(view, "Zoom &In", lambda: self.canvas.zoom(1.25), QKeySequence.StandardKey.ZoomIn)
        self._action(view, "Zoom &Out", lambda: self.canvas.zoom(0.8), QKeySequence.StandardKey.ZoomOut)
        self._action(view, "Auto &Layout", self.auto_layout, "Ctrl+L")
        view.addSeparator()
        themes = QActionGroup(self)
        self.theme_actions = {}
        for name in ("dark", "light"):
            action = QAction(f"{name.capitalize()} Theme", self, checkable=True)
            action.triggered.connect(lambda _checked=False, n=name: self.set_theme(n))
            themes.addAction(action)
            view.addAction(action)
            self.theme_actions[name] = action
        view.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.summary_dock, self.problems_dock):
            view.addAction(dock.toggleViewAction())

        templates = bar.addMenu("&Templates")
        for template in available_templates():
            action = self._action(templates, template.title, lambda _c=False, t=template: self.open_template(t))
            action.setStatusTip(template.description)
        applications = templates.addMenu("&Applications")
        for template in application_templates():
            action = self._action(applications, template.title, lambda _c=False, t=template: self.open_template(t))
            action.setStatusTip(template.description)
        applications.setEnabled(not applications.isEmpty())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Strata &Guide", self.show_guide, QKeySequence.StandardKey.HelpContents)
        self._action(help_menu, "&About Strata", self.about)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("MainToolbar")
        toolbar.setMovable(False)
        for action in (self.new_action, self.open_action, self.save_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        for text, slot, signal in (
            ("Undo", self.stack.undo, self.stack.canUndoChanged),
            ("Redo", self.stack.redo, self.stack.canRedoChanged),
        ):
            action = QAction(text, self)  # short labels: the menu entries carry the command names
            action.triggered.connect(slot)
            action.setEnabled(False)
            signal.connect(action.setEnabled)
            toolbar.addAction(action)
        toolbar.addSeparator()
        for text, slot in (("Fit to View", self.canvas.fit_all), ("Auto Layout", self.auto_layout)):
            action = QAction(text, self)
            action.triggered.connect(slot)
            toolbar.addAction(action)

    def _add_training_dashboard(self) -> None:
        """The Training dock, Train menu and toolbar button (all of it lives in app.training)."""
        from app.training.integration import install_training

        install_training(self)

    # -- views ----------------------------------------------------------------------
    def refresh_palette(self) -> None:
        entries = []
        self.layer_names = []
        for layer_type in catalog.layer_types():
            entries.append((layer_type.group, layer_type.class_name, layer_type.description))
            self.layer_names.append(layer_type.class_name)
        self.palette.set_entries(entries)

    def _on_doc_event(self, kind: str, payload: dict) -> None:
        if kind == "validated":
            self._refresh_views()

    def _refresh_views(self) -> None:
        analysis = self.doc.analysis
        rows = []
        for node_id in analysis.order + [n for n in self.doc.nodes if n not in analysis.order]:
            node = self.doc.nodes[node_id]
            status = analysis.status.get(node_id)
            owner = self.doc.nodes.get(node.shares, node) if node.shares is not None else node
            inbound = ", ".join(self.doc.nodes[e.source].name for e in self.doc.inbound(node_id))
            rows.append(
                [
                    f"{owner.name} ({node.class_name})",
                    status.shape_text if status else "?",
                    f"{status.params:,}" if status else "0",
                    "yes" if owner.trainable else "frozen",
                    inbound,
                ]
            )
        total, trainable = analysis.totals
        footer = (
            f"<b>Total params:</b> {total:,} &nbsp;·&nbsp; <b>Trainable:</b> {trainable:,} &nbsp;·&nbsp; "
            f"<b>Non-trainable:</b> {total - trainable:,}"
        )
        self.summary.set_content(
            ["Layer (type)", "Output shape", "Param #", "Trainable", "Connected to"], rows, footer, numeric=(2,)
        )
        problems = []
        for problem in analysis.problems:
            title = self.doc.nodes[problem.node_id].name if problem.node_id in self.doc.nodes else ""
            problems.append((problem.node_id, title, problem.message))
        self.problems.set_problems(problems)
        self.problems_dock.setWindowTitle(f"Problems ({len(problems)})" if problems else "Problems")
        if problems:
            self.status_label.setObjectName("StatusBad")
            self.status_label.setText(f"✗ {len(problems)} problem(s)   ")
        else:
            self.status_label.setObjectName("StatusOk")
            self.status_label.setText(f"✓ Valid model · {total:,} parameters   ")
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)

    def _update_title(self, *_args: object) -> None:
        name = self.path.name if self.path else f"{self.doc.name} (unsaved)"
        self.setWindowTitle(f"{name}{'' if self.stack.isClean() else ' •'} — Strata Studio")

    def set_theme(self, name: str, remember: bool = True) -> None:
        """Switch between the dark and light themes (the choice is remembered for the next start)."""
        self.theme = name
        if remember:
            self.settings.setValue("theme", name)
        self.canvas.apply_palette(apply_theme(QApplication.instance(), name))
        self.theme_actions[name].setChecked(True)

    def show_guide(self) -> None:
        self.guide_dock.show()
        self.guide_dock.raise_()

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Strata",
            "<b>Strata Studio</b><br>Design, check and save Keras-compatible models on Strata's own NumPy engine.",
        )

    # -- selection and editing ---------------------------------------------------------
    def selected(self) -> list[int]:
        return self.canvas.selected_keys()

    def select_node(self, node_id: int) -> None:
        self.canvas.select_keys([node_id], center=True)

    def _edit_node(self, node_id: int) -> None:
        """Double-click on a node: show its settings in the Inspector, ready to type."""
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        self.inspector.show([node_id])
        editor = self.form.editors.get("name")
        if editor is not None:
            editor.setFocus()

    def add_after_selection(self, class_name: str) -> None:
        selected = self.selected()
        if len(selected) == 1:
            anchor = self.doc.nodes[selected[0]]
            node = self.canvas_controller.add_layer(class_name, anchor.x, anchor.y + ROW_HEIGHT, after=anchor.id)
        else:
            center = self.canvas.mapToScene(self.canvas.viewport().rect().center())
            node = self.canvas_controller.add_layer(class_name, center.x(), center.y())
        self.canvas.select_keys([node.id])

    def open_quick_add(self, x: float, y: float) -> QuickAddPopup:
        popup = QuickAddPopup(self.layer_names, self)
        selected = self.selected()
        after = selected[0] if len(selected) == 1 else None

        def chosen(name: str) -> None:
            node = self.canvas_controller.add_layer(name, x, y, after=after)
            self.canvas.select_keys([node.id])

        popup.chosen.connect(chosen)
        popup.move(self.canvas.mapToGlobal(self.canvas.mapFromScene(x, y)))
        popup.show()
        popup.search.setFocus()
        self._quick_add = popup
        return popup

    def delete_selection(self) -> None:
        self.canvas_controller.delete(self.selected(), self.canvas.selected_edge_keys())

    def set_selection_trainable(self, trainable: bool) -> None:
        self.inspector.set_trainable(self.selected(), trainable)

    def copy(self) -> None:
        if self.selected():
            # plain text (JSON): a custom QMimeData on the clipboard crashes PySide 6.12 at exit
            QGuiApplication.clipboard().setText(clipboard.copy_nodes(self.doc, self.selected()))

    def cut(self) -> None:
        self.copy()
        self.delete_selection()

    def paste(self) -> None:
        text = QGuiApplication.clipboard().text()
        if not clipboard.is_layers(text):
            return
        nodes, edges = clipboard.paste_nodes(self.doc, text)
        if nodes:
            self.stack.push(PasteCommand(self.doc, nodes, edges, f"Paste {len(nodes)} layer(s)"))
            self.canvas.select_keys([n.id for n in nodes])

    def duplicate(self) -> None:
        if self.selected():
            nodes, edges = clipboard.paste_nodes(self.doc, clipboard.copy_nodes(self.doc, self.selected()))
            self.stack.push(PasteCommand(self.doc, nodes, edges, f"Duplicate {len(nodes)} layer(s)"))
            self.canvas.select_keys([n.id for n in nodes])

    def auto_layout(self) -> None:
        moves = []
        for node_id, (x, y) in layered_layout(self.doc).items():
            node = self.doc.nodes[node_id]
            if (node.x, node.y) != (x, y):
                moves.append((node_id, node.x, node.y, x, y))
        if moves:
            self.stack.push(MoveCommand(self.doc, moves, "Auto layout"))
        self.canvas.fit_all()

    def _context_menu(self, keys: list, global_pos: QPoint) -> None:
        menu = QMenu(self)
        if keys:
            menu.addAction("Freeze", lambda: self.inspector.set_trainable(keys, False))
            menu.addAction("Unfreeze", lambda: self.inspector.set_trainable(keys, True))
            menu.addSeparator()
            menu.addAction("Edit Note…", lambda: self.edit_note(keys))
            colours = menu.addMenu("Colour")
            for label, value in NODE_COLOURS:
                colours.addAction(label, lambda _c=False, v=value: self.set_colour(keys, v))
            menu.addSeparator()
            menu.addAction("Duplicate", self.duplicate)
            menu.addAction("Copy", self.copy)
            menu.addAction("Delete", lambda: self.canvas_controller.delete(keys))
        else:
            menu.addAction("Paste", self.paste)
            menu.addAction("Auto Layout", self.auto_layout)
            menu.addAction("Fit to View", self.canvas.fit_all)
        menu.popup(global_pos)
        self._menu = menu

    def edit_note(self, keys: list[int]) -> None:
        """Ask for a note (saved with the layout, shown in the node's tooltip)."""
        current = self.doc.nodes[keys[0]].note if keys else ""
        text, ok = QInputDialog.getMultiLineText(self, "Note", "Note for the selected layer(s):", current)
        if ok:
            looks = {k: (text.strip(), self.doc.nodes[k].color) for k in keys if k in self.doc.nodes}
            self.stack.push(SetLookCommand(self.doc, looks, "Edit note"))

    def set_colour(self, keys: list[int], colour: str) -> None:
        looks = {k: (self.doc.nodes[k].note, colour) for k in keys if k in self.doc.nodes}
        if looks:
            self.stack.push(SetLookCommand(self.doc, looks, "Set colour"))

    # -- documents and files ---------------------------------------------------------------
    def set_document(self, doc: DesignDocument, path: Path | None = None) -> None:
        """Replace the design (New, Open, templates): the undo history starts afresh."""
        self.doc.replace_with(doc)
        self.stack.clear()
        self.path = path
        self._update_title()
        self.canvas.fit_all()
        self._readable_start()

    def _readable_start(self, least: float = 0.3, scale: float = 0.6) -> None:
        """A deep network (hundreds of layers) fits only as a hairline: start readable, at its inputs."""
        if not self.doc.nodes or self.canvas.transform().m11() >= least:
            return
        first = min(self.doc.nodes.values(), key=lambda n: (n.y, n.x)).id
        top = self.canvas.nodes[first].sceneBoundingRect()
        self.canvas.resetTransform()
        self.canvas.scale(scale, scale)
        visible = self.canvas.viewport().height() / scale
        self.canvas.centerOn(top.center().x(), top.top() - 40 + visible / 2)

    def confirm_discard(self) -> bool:
        """True when unsaved changes may be dropped (asks the user)."""
        if self.stack.isClean():
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "The design has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_document(self) -> None:
        if self.confirm_discard():
            doc = DesignDocument(name="model")
            doc.add_node(doc.create_node("InputLayer", 0, 0))
            self.set_document(doc)

    def open_template(self, template) -> None:  # noqa: ANN001
        if self.confirm_discard():
            self.set_document(self._build_busy(template.title, template.document))

    def _build_busy(self, title: str, build):  # noqa: ANN001, ANN202
        """``build()`` behind a wait cursor and a status message (an application allocates its weights,
        ~0.5 GB for VGG16). It runs on the GUI thread: building in a worker thread while this one pumps
        events made every build several times slower (the two threads fight for the GIL)."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.statusBar().showMessage(f"Building {title}…")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        try:
            return build()
        finally:
            QApplication.restoreOverrideCursor()
            self.statusBar().clearMessage()

    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Open model", str(self.path.parent if self.path else ""), FILE_FILTER
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        try:
            doc = open_document(path)
        except Exception as error:  # noqa: BLE001 - shown to the user
            QMessageBox.critical(self, "Cannot open file", f"Cannot open '{path}':\n\n{error}")
            return False
        self.set_document(doc, Path(path))
        self._remember(Path(path))
        return True

    def save(self) -> bool:
        if self.path is None or self.path.suffix.lower() not in (".h5", ".hdf5"):
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        suggested = str(self.path.with_suffix(".h5") if self.path else Path(f"{self.doc.name}.h5"))
        path, _ = QFileDialog.getSaveFileName(self, "Save model", suggested, "HDF5 model (*.h5)")
        if not path:
            return False
        if not path.lower().endswith((".h5", ".hdf5")):
            path += ".h5"
        return self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        try:
            save_document(self.doc, path)
        except Exception as error:  # noqa: BLE001
            QMessageBox.critical(self, "Cannot save", f"Cannot save '{path}':\n\n{error}")
            return False
        self.path = Path(path)
        self.stack.setClean()
        self._discard_autosave()
        self._remember(self.path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def export_dialog(self, suffix: str) -> None:
        kind = "JSON" if suffix == ".json" else "YAML"
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export architecture as {kind}", f"{self.doc.name}{suffix}", f"{kind} (*{suffix})"
        )
        if path:
            try:
                save_document(self.doc, path if path.endswith(suffix) else path + suffix)
            except Exception as error:  # noqa: BLE001
                QMessageBox.critical(self, "Cannot export", str(error))

    def export_script_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Python script", f"{self.doc.name}.py", "Python (*.py)")
        if path:
            self.export_script_to(Path(path))

    def export_script_to(self, path: Path) -> bool:
        try:
            path.write_text(export_script(self.doc), encoding="utf-8")
        except Exception as error:  # noqa: BLE001
            QMessageBox.critical(self, "Cannot export", str(error))
            return False
        self.statusBar().showMessage(f"Exported {path}", 4000)
        return True

    def load_weights_dialog(self, by_name: bool) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load weights", "", "Weights (*.h5 *.hdf5)")
        if not path:
            return
        try:
            count = load_weights_into(self.doc, path, by_name=by_name)
        except Exception as error:  # noqa: BLE001
            QMessageBox.critical(self, "Cannot load weights", str(error))
            return
        self.statusBar().showMessage(f"Loaded weights into {count} layer(s) from {path}", 5000)

    def load_custom_layers_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load custom layers", "", "Python (*.py)")
        if path:
            self.load_custom_layers(path)

    def load_custom_layers(self, path: str | Path) -> None:
        """Run a user's Python file of registered Layer subclasses; their layers join the palette under Custom."""
        path = Path(path)
        spec = importlib.util.spec_from_file_location(f"strata_custom_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:  # noqa: BLE001
            QMessageBox.critical(self, "Cannot load custom layers", f"{path}:\n\n{error}")
            return
        self.refresh_palette()

    # -- autosave --------------------------------------------------------------------------
    def autosave_path(self) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.doc.name) or "model"
        return strata_home() / "autosave" / f"{safe}.h5"

    def autosave(self) -> Path | None:
        """Write unsaved, valid designs to ``<strata home>/autosave/`` (called every minute)."""
        if self.stack.isClean() or not self.doc.analysis.ok:
            return None
        path = self.autosave_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            save_document(self.doc, path)
        except Exception as error:  # noqa: BLE001 - autosave never interrupts the user
            self.statusBar().showMessage(f"Autosave failed: {error}", 5000)
            return None
        self._autosaved = path
        return path

    def _discard_autosave(self) -> None:
        path = getattr(self, "_autosaved", None)
        if path is not None and path.exists():
            path.unlink()
        self._autosaved = None

    def _update_recover_menu(self) -> None:
        self.recover_menu.clear()
        folder = strata_home() / "autosave"
        files = sorted(folder.glob("*.h5"), key=lambda p: p.stat().st_mtime, reverse=True) if folder.is_dir() else []
        for file in files:
            stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(file.stat().st_mtime))
            self.recover_menu.addAction(f"{file.stem} ({stamp})", lambda _c=False, f=file: self.recover(f))
        self.recover_menu.setEnabled(bool(files))

    def recover(self, path: Path) -> bool:
        """Open an autosaved design as a new unsaved document; the autosave file is then removed."""
        if not self.confirm_discard():
            return False
        try:
            doc = open_document(path)
        except Exception as error:  # noqa: BLE001
            QMessageBox.critical(self, "Cannot recover", f"Cannot recover '{path}':\n\n{error}")
            return False
        self.set_document(doc)
        self.stack.resetClean()  # recovered work is unsaved until the user saves it
        path.unlink(missing_ok=True)
        self._update_recover_menu()
        return True

    def _remember(self, path: Path) -> None:
        add_recent_file(self.settings, str(path.resolve()))
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = [f for f in recent_files(self.settings) if Path(f).suffix.lower() in OPEN_SUFFIXES]
        for file in files:
            self.recent_menu.addAction(
                Path(file).name, lambda _c=False, f=file: self.confirm_discard() and self.open_path(f)
            )
        self.recent_menu.setEnabled(bool(files))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.confirm_discard():
            self._discard_autosave()
            event.accept()
        else:
            event.ignore()
