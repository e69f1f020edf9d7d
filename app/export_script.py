"""Export a design as a Python script that rebuilds the model with the engine's functional API. Qt-free."""

from __future__ import annotations

import inspect
import json
import keyword
import pprint
import re

from app import catalog
from app.document import DesignDocument
from engine.errors import GraphError


def _identifier(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name).strip("_") or "layer"
    if base[0].isdigit() or keyword.iskeyword(base) or base in ("layers", "models", "model"):
        base = f"t_{base}"
    candidate, index = base, 1
    while candidate in taken:
        candidate = f"{base}_{index}"
        index += 1
    taken.add(candidate)
    return candidate


def _literal(value: object, indent: int) -> str:
    text = pprint.pformat(value, width=100 - indent, sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


def _arguments(class_name: str, config: dict) -> str:
    """Keyword arguments for the settings that differ from the layer's defaults (required ones always)."""
    cls = catalog.layer_class(class_name)
    required = {
        p.name
        for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
        if p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }
    defaults = catalog.default_config(class_name)
    plain = json.loads(json.dumps(config))
    chosen = {k: v for k, v in config.items() if k in required or k == "name" or defaults.get(k, object()) != plain[k]}
    parts = [f"{key}={_literal(value, 8)}" for key, value in chosen.items()]
    return ", ".join(parts) if sum(len(p) for p in parts) < 80 else "\n    " + ",\n    ".join(parts) + ",\n"


def export_script(doc: DesignDocument) -> str:
    """Python source that builds the design as ``model`` (GraphError when the design has problems)."""
    analysis = doc.analysis
    if analysis.problems:
        raise GraphError(f"Fix the design's problems before exporting; first: {analysis.problems[0].message}")
    lines = [
        f'"""Rebuilds the Strata design {doc.name!r} with the engine\'s functional API."""',
        "",
        "from engine import layers, models",
        "",
    ]
    taken: set[str] = set()
    tensor_of: dict[int, str] = {}
    layer_of: dict[int, str] = {}
    inputs: list[str] = []
    for node_id in analysis.order:
        node = doc.nodes[node_id]
        if node.class_name == "InputLayer":
            var = _identifier(node.name, taken)
            shape = tuple(node.config["batch_input_shape"])
            dtype = node.config.get("dtype", "float32")
            lines.append(f"{var} = layers.Input(batch_shape={shape!r}, name={node.name!r}, dtype={dtype!r})")
            tensor_of[node_id] = var
            inputs.append(var)
            continue
        if node.shares is None:
            layer_var = _identifier(f"{node.name}_layer", taken)
            lines.append(f"{layer_var} = layers.{node.class_name}({_arguments(node.class_name, node.config)})")
            layer_of[node_id] = layer_var
        else:
            layer_var = layer_of[node.shares]
        args = [
            f"{tensor_of[e.source]}" + (f"[{e.source_port}]" if e.source_port else "") for e in doc.inbound(node_id)
        ]
        call = f"[{', '.join(args)}]" if catalog.is_multi_input(node.class_name) or len(args) > 1 else args[0]
        var = _identifier(node.name if node.shares is None else f"{node.name}_call", taken)
        lines.append(f"{var} = {layer_var}({call})")
        tensor_of[node_id] = var
    consumed = {e.source for e in doc.edges}
    outputs = [tensor_of[n] for n in analysis.order if n not in consumed and doc.nodes[n].class_name != "InputLayer"]
    lines += [
        "",
        "model = models.Model(",
        f"    inputs={_group(inputs)},",
        f"    outputs={_group(outputs)},",
        f"    name={doc.name!r},",
        ")",
        "",
        'if __name__ == "__main__":',
        "    model.summary()",
        "",
    ]
    return "\n".join(lines)


def _group(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "[" + ", ".join(names) + "]"
