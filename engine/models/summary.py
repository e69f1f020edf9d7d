"""``model.summary()``: the Keras-style table of layers, shapes and parameter counts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.layers.input_spec import format_shape

if TYPE_CHECKING:
    from engine.models.functional import Model


def _shape_text(layer: Any) -> str:
    try:
        shape = layer.output_shape
    except Exception:  # noqa: BLE001 - an unbuilt layer has no shape yet
        return "?"
    if isinstance(shape, list):
        return ", ".join(format_shape(tuple(s)) for s in shape)
    return format_shape(tuple(shape))


def _count(weights: list[Any]) -> int:
    total = 0
    for w in weights:
        size = 1
        for d in w.shape:
            size *= d
        total += size
    return total


def summary_rows(model: Model) -> list[dict[str, Any]]:
    """One row per layer: name, class, output shape, params, trainable, inbound layers."""
    rows = []
    for layer in model.layers:
        inbound = []
        for node in layer._inbound_nodes:
            if model._graph is not None and id(node) in model._graph.node_keys:
                inbound.extend(t._keras_history[0].name for t in node.input_tensors if t._keras_history)
        rows.append(
            {
                "name": layer.name,
                "class_name": type(layer).__name__,
                "output_shape": _shape_text(layer),
                "params": _count(layer.weights) if layer.built else 0,
                "trainable": layer.trainable,
                "connected_to": inbound,
            }
        )
    return rows


def print_summary(model: Model, line_length: int | None = None, print_fn: Any = None) -> None:
    print_fn = print_fn or print
    from engine.models.sequential import Sequential  # noqa: PLC0415

    sequential = isinstance(model, Sequential)
    rows = summary_rows(model)
    headers = ["Layer (type)", "Output Shape", "Param #"] + ([] if sequential else ["Connected to"])
    cells = []
    for row in rows:
        line = [f"{row['name']} ({row['class_name']})", row["output_shape"], f"{row['params']:,}"]
        if not sequential:
            line.append(", ".join(row["connected_to"]))
        cells.append(line)
    widths = [max(len(h), *(len(c[i]) for c in cells)) + 2 if cells else len(h) + 2 for i, h in enumerate(headers)]
    total_width = line_length or sum(widths)
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * total_width)
    print_fn("".join(h.ljust(w) for h, w in zip(headers, widths)))
    print_fn("=" * total_width)
    for index, line in enumerate(cells):
        print_fn("".join(c.ljust(w) for c, w in zip(line, widths)))
        print_fn(("_" if index < len(cells) - 1 else "=") * total_width)
    trainable = _count(model.trainable_weights)
    total = _count(model.weights)
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn("_" * total_width)
