"""Palette search and mime data, the schema-built property form, the problems list."""

from __future__ import annotations

from widgets import MIME_TYPE, PaletteWidget, ProblemsList, PropertyForm, SummaryTable
from widgets.property_form import parse_text


def test_palette_groups_search_and_mime_data(qtbot):
    palette = PaletteWidget()
    qtbot.addWidget(palette)
    palette.set_entries([("Core", "Dense", "fully connected"), ("Core", "Activation", ""), ("Merge", "Add", "")])
    assert palette.visible_names() == ["Dense", "Activation", "Add"]
    palette.search.setText("den")
    assert palette.visible_names() == ["Dense"]
    palette.search.setText("merge")  # a group name shows the whole group
    assert palette.visible_names() == ["Add"]
    data = palette.tree.mimeData([palette.item_for("Add")])
    assert bytes(data.data(MIME_TYPE)).decode() == "Add"
    with qtbot.waitSignal(palette.activated) as blocker:
        palette.tree.itemActivated.emit(palette.item_for("Add"), 0)
    assert blocker.args == ["Add"]


def test_form_editors_emit_typed_values(qtbot):
    form = PropertyForm()
    qtbot.addWidget(form)
    form.set_schema(
        "dense",
        "Dense",
        [
            {"key": "units", "label": "Units", "kind": "int", "value": 8, "minimum": 1, "maximum": 100},
            {"key": "rate", "label": "Rate", "kind": "float", "value": 0.5},
            {"key": "use_bias", "label": "Use bias", "kind": "bool", "value": True},
            {
                "key": "activation",
                "label": "Activation",
                "kind": "choice",
                "value": "relu",
                "choices": ["relu", "tanh"],
            },
            {"key": "kernel_size", "label": "Kernel size", "kind": "ints", "value": [3, 3]},
            {"key": "batch", "label": "Batch", "kind": "int", "value": None, "nullable": True, "minimum": 1},
        ],
        footer="Parameters: 72",
    )
    seen = []
    form.valueEdited.connect(lambda key, value: seen.append((key, value)))
    form.editors["units"].setValue(16)
    form.editors["rate"].setValue(0.25)
    form.editors["use_bias"].setChecked(False)
    form.editors["activation"].activated.emit(1)
    form.editors["kernel_size"].setText("5, 5")
    form.editors["kernel_size"].editingFinished.emit()
    form.editors["batch"].setValue(32)
    form.editors["batch"].setValue(form.editors["batch"].minimum())
    assert seen == [
        ("units", 16),
        ("rate", 0.25),
        ("use_bias", False),
        ("activation", "tanh"),
        ("kernel_size", [5, 5]),
        ("batch", 32),
        ("batch", None),
    ]
    assert form.editors["batch"].text() == "None"
    assert form.footer.text() == "Parameters: 72"


def test_text_fields_are_checked_as_you_type(qtbot):
    form = PropertyForm()
    qtbot.addWidget(form)
    form.set_schema("x", "", [{"key": "dims", "label": "Dims", "kind": "ints", "value": [1]}])
    editor = form.editors["dims"]
    editor.textEdited.emit("1, x")
    assert editor.property("invalid") is True
    editor.textEdited.emit("1, 2")
    assert editor.property("invalid") is False
    assert parse_text("json", '{"a": 1}') == {"a": 1}


def test_problems_list_reports_the_clicked_key(qtbot):
    problems = ProblemsList()
    qtbot.addWidget(problems)
    problems.set_problems([(7, "dense", "bad shape")])
    with qtbot.waitSignal(problems.problemActivated) as blocker:
        problems.itemClicked.emit(problems.item(0))
    assert blocker.args == [7]
    problems.set_problems([])
    assert "No problems" in problems.item(0).text()


def test_summary_table(qtbot):
    table = SummaryTable()
    qtbot.addWidget(table)
    table.set_content(["Layer", "Params"], [["dense (Dense)", "72"]], "Total params: 72", numeric=(1,))
    assert table.cell_text(0, 1) == "72" and table.footer.text() == "Total params: 72"
