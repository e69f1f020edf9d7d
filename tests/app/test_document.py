"""The Qt-free design document: engine validation, conversion both ways, layout, files, clipboard."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app import catalog
from app.clipboard import copy_nodes, paste_nodes
from app.conversion import from_model, to_model
from app.document import DesignDocument, Edge
from app.files import open_document, save_document
from app.layout import layered_layout
from app.templates import demo_document
from engine import layers
from engine.errors import GraphError
from engine.models import Model
from tests.engine.keras_fixtures import FIXTURES


def _chain(*class_names: str, shape=(8, 8)) -> DesignDocument:
    doc = DesignDocument()
    previous = doc.add_node(
        doc.create_node(
            "InputLayer", 0, 0, {**catalog.default_config("InputLayer"), "batch_input_shape": [None, *shape]}
        )
    )
    for index, name in enumerate(class_names):
        node = doc.add_node(doc.create_node(name, 0, 100 * (index + 1)))
        doc.add_edge(Edge(previous.id, node.id))
        previous = node
    return doc


def test_shapes_and_params_come_from_the_engine():
    doc = _chain("Flatten", "Dense")
    status = [doc.analysis.status[i] for i in doc.analysis.order]
    assert [s.shape_text for s in status] == ["(None, 8, 8)", "(None, 64)", "(None, 32)"]
    assert status[2].params == 64 * 32 + 32
    assert doc.analysis.ok


def test_engine_error_message_marks_the_node():
    doc = _chain("Conv2D")
    conv = doc.analysis.status[2]
    assert conv.shapes is None and "conv2d" in conv.error and "(None, 8, 8)" in conv.error
    assert [p.node_id for p in doc.analysis.problems] == [2]


def test_downstream_of_an_error_is_blocked_not_red():
    doc = _chain("Conv2D", "Flatten")
    assert doc.analysis.status[3].blocked and doc.analysis.status[3].error is None


def test_mismatched_concatenate_axes():
    doc = DesignDocument()
    a = doc.add_node(
        doc.create_node(
            "InputLayer", config={**catalog.default_config("InputLayer"), "batch_input_shape": [None, 4, 3]}
        )
    )
    b = doc.add_node(
        doc.create_node(
            "InputLayer", config={**catalog.default_config("InputLayer"), "batch_input_shape": [None, 5, 2]}
        )
    )
    cat = doc.add_node(doc.create_node("Concatenate"))
    doc.add_edge(Edge(a.id, cat.id, 0))
    assert doc.input_port_count(cat.id) == 2
    doc.add_edge(Edge(b.id, cat.id, doc.free_port(cat.id)))
    assert doc.input_port_count(cat.id) == 3
    assert "concatenate" in doc.analysis.status[cat.id].error.lower()


def test_cycles_unconnected_inputs_and_duplicate_names():
    doc = _chain("Dense", "Dense")
    doc.add_edge(Edge(3, 2, 0))  # dense_1 -> dense: two edges into one port and a cycle
    assert any("cycle" in p.message for p in doc.analysis.problems)
    doc = _chain("Dense")
    doc.add_node(doc.create_node("Dense"))
    assert any("has no input" in p.message for p in doc.analysis.problems)
    doc = _chain("Dense", "Dense")
    doc.set_config(3, {**doc.nodes[3].config, "name": "dense"})
    assert sum("Two layers are named 'dense'" in p.message for p in doc.analysis.problems) == 2


def test_revalidation_after_an_edit_is_cached():
    doc = _chain(*["Dense"] * 20)
    calls = []
    from app import validation

    original = validation._run_engine

    def counting(*args):
        calls.append(args[0])
        return original(*args)

    validation._run_engine = counting
    try:
        doc.set_config(21, {**doc.nodes[21].config, "units": 7})
    finally:
        validation._run_engine = original
    assert calls == ["Dense"]  # only the edited layer was rebuilt


def test_to_model_and_back():
    doc = demo_document()
    model = to_model(doc)
    assert [layer.name for layer in model.layers] == ["pixels", "flatten", "hidden", "dropout", "digit"]
    again = from_model(model)
    assert again.structure()["edges"] == doc.structure()["edges"]
    assert [n.config for n in again.nodes.values()] == [n.config for n in doc.nodes.values()]


def test_invalid_document_does_not_convert():
    with pytest.raises(GraphError, match="problem"):
        to_model(_chain("Conv2D"))


def test_shared_layer_becomes_a_sharing_node_and_back():
    a, b = layers.Input((6,), name="a"), layers.Input((6,), name="b")
    shared = layers.Dense(4, name="shared")
    merged = layers.Add(name="add")([shared(a), shared(b)])
    model = Model([a, b], layers.Dense(1, name="out")(merged))
    doc = from_model(model)
    sharing = [n for n in doc.nodes.values() if n.shares is not None]
    assert len(sharing) == 1 and doc.nodes[sharing[0].shares].name == "shared"
    assert doc.analysis.ok and doc.analysis.totals[0] == model.count_params()
    rebuilt = to_model(doc)
    assert len(rebuilt.layers) == len(model.layers) and rebuilt.count_params() == model.count_params()
    x = [np.ones((2, 6), "float32"), np.zeros((2, 6), "float32")]
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))


def test_layered_layout_puts_each_layer_below_its_inputs():
    doc = _chain("Flatten", "Dense", "Dense")
    positions = layered_layout(doc)
    ys = [positions[i][1] for i in doc.analysis.order]
    assert ys == sorted(ys) and len(set(ys)) == 4


def _model_files() -> list:
    import h5py

    files = []
    for path in sorted(FIXTURES.glob("*/*.h5")):
        if path.name.endswith(".weights.h5"):
            continue
        with h5py.File(path, "r") as handle:
            if "model_config" in handle.attrs:
                files.append(path)
    return files + sorted(FIXTURES.glob("*/*.keras"))  # Keras 3 zips, read by the engine's load_model


def _sample_inputs(path, model) -> list:
    given = sorted(path.parent.glob(f"{path.stem}_x[0-9].npy"))
    if len(given) >= len(model.inputs):
        return [np.load(p) for p in given[: len(model.inputs)]]
    rng = np.random.default_rng(0)
    return [rng.random((2, *(2 if d is None else d for d in t.shape[1:]))).astype("float32") for t in model.inputs]


def _connections(model) -> set:
    pairs = set()
    for layer in model.layers:
        for node in layer._inbound_nodes:
            if id(node) in model._graph.node_keys:
                pairs.update((t._keras_history[0].name, layer.name) for t in node.input_tensors)
    return pairs


@pytest.mark.parametrize("path", _model_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_open_keras_fixtures(path):
    """Every Keras model file in tests/fixtures opens with the same layers, connections and predictions."""
    from engine.models import load_model

    model = load_model(path, compile=False)
    doc = open_document(path)
    assert doc.analysis.ok, doc.analysis.problems
    owners = [n for n in doc.nodes.values() if n.shares is None]
    assert sorted(n.name for n in owners) == sorted({layer.name for layer in model.layers} | set(model.input_names))
    owner_name = {n.id: (doc.nodes[n.shares].name if n.shares is not None else n.name) for n in doc.nodes.values()}
    assert {(owner_name[e.source], owner_name[e.target]) for e in doc.edges} == _connections(model)
    x = _sample_inputs(path, model)
    x = x if len(x) > 1 else x[0]
    expected = model.predict(x, verbose=0)
    actual = to_model(doc).predict(x, verbose=0)
    for a, b in zip(
        actual if isinstance(actual, list) else [actual], expected if isinstance(expected, list) else [expected]
    ):
        np.testing.assert_array_equal(a, b)


def test_save_h5_keeps_layout_and_training_config(tmp_path):
    doc = open_document(FIXTURES / "keras2" / "mlp.h5")
    doc.nodes[2].x = 42.0
    save_document(doc, tmp_path / "m.h5")
    again = open_document(tmp_path / "m.h5")
    assert again.nodes[2].x == 42.0
    assert again.training_config is not None and again.training_config.get("loss") == doc.training_config.get("loss")
    from engine.models import load_model

    assert load_model(tmp_path / "m.h5").optimizer is not None  # still a compiled Keras-layout model


def test_json_and_yaml_architecture(tmp_path):
    doc = demo_document()
    for suffix in (".json", ".yaml"):
        save_document(doc, tmp_path / f"m{suffix}")
        again = open_document(tmp_path / f"m{suffix}")
        assert again.structure()["edges"] == doc.structure()["edges"]
    assert json.loads((tmp_path / "m.json").read_text())["class_name"] in ("Functional", "Model")


def test_copy_paste_keeps_configs_and_inner_edges():
    source = demo_document()
    text = copy_nodes(source, [3, 4])
    target = _chain("Dense")
    nodes, edges = paste_nodes(target, text)
    assert [n.class_name for n in nodes] == ["Dense", "Dropout"]
    assert nodes[0].name != "dense" and nodes[0].config["units"] == 64
    assert edges == [Edge(nodes[0].id, nodes[1].id, 0, 0)]


def test_catalog_covers_every_engine_layer():
    types = catalog.layer_types()
    names = {t.class_name for t in types}
    assert {"InputLayer", "Dense", "Conv2D", "Concatenate", "Flatten", "Dropout"} <= names
    assert {t.group for t in types} <= set(catalog.GROUPS)
    for layer_type in types:
        config = catalog.default_config(layer_type.class_name)
        fields = catalog.schema_for(layer_type.class_name, {**config, "name": "x"})
        assert fields[0]["key"] == "name"
    dense = {f["key"]: f for f in catalog.schema_for("Dense", catalog.default_config("Dense"))}
    assert dense["units"]["kind"] == "int" and dense["activation"]["kind"] == "choice"
    assert dense["use_bias"]["kind"] == "bool" and dense["trainable"]["kind"] == "bool"
    assert dense["kernel_initializer"]["value"] == "glorot_uniform"


def test_stateful_layer_requires_a_fixed_batch_size():
    if catalog.layer_class("LSTM") is None:
        pytest.skip("the engine has no LSTM yet")
    doc = _chain("LSTM", shape=(5, 3))
    assert doc.analysis.ok
    doc.set_config(2, {**doc.nodes[2].config, "stateful": True})
    assert "fixed batch size" in doc.analysis.status[2].error
    doc.set_config(1, catalog.apply_field("InputLayer", doc.nodes[1].config, "batch_size", 4))
    assert doc.analysis.ok and doc.analysis.status[2].shapes == [(4, 32)]


def test_shared_lstm_template_shares_one_layer():
    from app.templates import TEMPLATES

    template = next(t for t in TEMPLATES if t.title == "Two-input shared LSTM")
    if not template.available():
        pytest.skip("the engine has no LSTM yet")
    doc = template.document()
    assert doc.analysis.ok
    assert sum(n.shares is not None for n in doc.nodes.values()) == 1
    assert to_model(doc).count_params() == template.build().count_params()


def test_save_keeps_the_optimizer_state_while_the_design_still_fits(tmp_path):
    from engine.models import load_model

    source = FIXTURES / "keras2" / "mlp_trace_adam_final.h5"
    doc = open_document(source)
    save_document(doc, tmp_path / "same.h5")
    original, saved = load_model(source), load_model(tmp_path / "same.h5")
    from engine.saving.optimizer_state import optimizer_entries

    before = [value for _, value in optimizer_entries(original.optimizer)]
    after = [value for _, value in optimizer_entries(saved.optimizer)]
    assert len(before) == len(after) > 1
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    dense = next(n for n in doc.nodes.values() if n.class_name == "Dense")
    doc.set_config(dense.id, {**dense.config, "units": dense.config["units"] + 1})
    save_document(doc, tmp_path / "edited.h5")  # the old state no longer fits: a fresh optimizer, no error
    assert load_model(tmp_path / "edited.h5").optimizer is not None


def test_validation_builds_layers_without_weight_memory():
    """Checking a design never allocates its weights (a VGG16 design would cost half a gigabyte each time)."""
    import tracemalloc

    from app.validation import Validator
    from engine import layers, models

    model = models.Sequential([layers.Input((2048,)), layers.Dense(4096), layers.Dense(4096), layers.Dense(10)])
    doc = from_model(model, layout=False, weights=False)
    tracemalloc.start()
    try:
        analysis = Validator().analyse(doc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert analysis.ok and analysis.totals[0] == model.count_params()
    assert peak < 8 << 20  # the weights alone would be 96 MiB


def test_validation_falls_back_to_real_weights_for_layers_that_write_them_in_build(monkeypatch):
    from app import validation
    from engine.layers.core.dense import Dense

    original = Dense.build

    def writing_build(self, input_shape):
        original(self, input_shape)
        self.bias.data[...] = 1.0  # fails on a read-only placeholder

    monkeypatch.setattr(Dense, "build", writing_build)
    shapes, params, _, error = validation._run_engine("Dense", {"units": 3, "name": "d"}, [(None, 2)])
    assert error is None and shapes == [(None, 3)] and params == 9


def test_validation_builds_a_layer_with_an_ordinary_error_once(monkeypatch):
    from app import validation

    calls = []
    original = validation._build_and_call
    monkeypatch.setattr(validation, "_build_and_call", lambda *args: calls.append(args) or original(*args))
    _, _, _, error = validation._run_engine("Conv2D", {"filters": 4, "kernel_size": 3, "name": "c"}, [(None, 5)])
    assert error is not None and "'c'" in error  # the engine's message names the layer
    assert len(calls) == 1
