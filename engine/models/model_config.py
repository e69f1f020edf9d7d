"""Model configs in the Keras 2 (tf.keras) dialect, and models rebuilt from either dialect.

``get_config()`` of a Sequential lists its layers (InputLayer first);
a functional model lists layers with their ``inbound_nodes`` and names its
input and output layers. Reading accepts Keras 2 and Keras 3 configs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.errors import ConfigError
from engine.layers.core.input_layer import InputLayer
from engine.layers.node import KerasTensor
from engine.saving.object_registration import lookup

if TYPE_CHECKING:
    from engine.layers.layer import Layer
    from engine.models.functional import Model
    from engine.models.sequential import Sequential


def serialize_layer(layer: Layer) -> dict[str, Any]:
    registered = getattr(type(layer), "_registered_name", None)
    return {"class_name": registered or type(layer).__name__, "config": layer.get_config()}


def deserialize_layer(config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Layer:
    """A layer from ``{"class_name": ..., "config": {...}}``; unknown classes are a clear error."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"A layer config must be a dict with 'class_name' and 'config', received {config!r:.200}.")
    class_name = config["class_name"]
    cls = lookup(class_name, "layer", custom_objects)
    if cls is None:
        raise ConfigError(
            f"Unknown layer class '{class_name}'. If it is a custom layer, pass it in custom_objects="
            f"{{'{class_name}': {class_name}}} or register it with utils.register_serializable()."
        )
    inner = dict(config.get("config") or {})
    from engine.models.functional import Model  # noqa: PLC0415

    if isinstance(cls, type) and issubclass(cls, Model):
        return cls.from_config(inner, custom_objects=custom_objects)
    try:
        return cls.from_config(inner)
    except TypeError as error:
        raise ConfigError(f"Invalid config for layer class '{class_name}' ({inner.get('name')!r}): {error}") from error


def sequential_config(model: Sequential) -> dict[str, Any]:
    entries = []
    if model._input_layer is not None:
        entries.append(serialize_layer(model._input_layer))
    entries.extend(serialize_layer(layer) for layer in model.layers)
    return {"name": model.name, "layers": entries}


def sequential_from_config(cls: type, config: dict[str, Any], custom_objects: dict[str, Any] | None) -> Sequential:
    layer_configs = config.get("layers")
    if not isinstance(layer_configs, list):
        raise ConfigError("A Sequential config needs a 'layers' list.")
    model = cls(name=config.get("name"))
    for entry in layer_configs:
        if entry.get("class_name") == "InputLayer":
            model.add(InputLayer.from_config(_input_layer_kwargs(entry.get("config") or {})))
            continue
        model.add(deserialize_layer(entry, custom_objects))
    build_shape = config.get("build_input_shape")
    if model._graph is None and build_shape:
        model.build(tuple(build_shape))
    return model


def _input_layer_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    allowed = {"batch_input_shape", "batch_shape", "dtype", "name", "sparse", "ragged", "input_shape", "batch_size"}
    return {k: v for k, v in config.items() if k in allowed}


def functional_config(model: Model) -> dict[str, Any]:
    node_index_in_model: dict[int, int] = {}
    for layer in model.layers:
        kept = 0
        for node in layer._inbound_nodes:
            if id(node) in model._graph.node_keys:
                node_index_in_model[id(node)] = kept
                kept += 1

    def ref(tensor: KerasTensor) -> list[Any]:
        layer, node_index, tensor_index = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        return [layer.name, node_index_in_model.get(id(node), 0), tensor_index]

    entries = []
    for layer in model.layers:
        inbound = []
        for node in layer._inbound_nodes:
            if id(node) not in model._graph.node_keys or node.is_input:
                continue
            kwargs = {k: v for k, v in node.kwargs.items() if k != "_positional"}
            inbound.append([[*ref(t), kwargs] for t in node.input_tensors])
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = inbound
        entries.append(entry)
    return {
        "name": model.name,
        "layers": entries,
        "input_layers": [ref(t) for t in model.inputs],
        "output_layers": [ref(t) for t in model.outputs],
    }


def functional_from_config(cls: type, config: dict[str, Any], custom_objects: dict[str, Any] | None) -> Model:
    """Rebuild a functional model by replaying each layer's inbound nodes in dependency order."""
    layer_configs = config.get("layers")
    if not isinstance(layer_configs, list):
        raise ConfigError("A functional model config needs a 'layers' list.")
    created: dict[str, Any] = {}
    outputs_of: dict[str, list[Any]] = {}  # layer name -> output tensors of each replayed node
    pending: list[tuple[Any, list[Any]]] = []
    for entry in layer_configs:
        name = entry.get("name") or (entry.get("config") or {}).get("name")
        if entry.get("class_name") == "InputLayer":
            layer = InputLayer.from_config(_input_layer_kwargs(entry.get("config") or {}))
            outputs_of[name] = [[layer.output]]
        else:
            layer = deserialize_layer(entry, custom_objects)
            outputs_of[name] = []
        created[name] = layer
        for node_data in entry.get("inbound_nodes") or []:
            pending.append((layer, _parse_node(node_data)))

    progress = True
    while pending and progress:
        progress = False
        remaining = []
        for layer, (refs, kwargs, as_list) in pending:
            if all(r[0] in outputs_of and len(outputs_of[r[0]]) > r[1] for r in refs):
                args = [outputs_of[r[0]][r[1]][r[2]] for r in refs]
                out = layer(args if as_list or len(args) > 1 else args[0], **kwargs)
                outputs_of[layer.name].append(out if isinstance(out, list) else [out])
                progress = True
            else:
                remaining.append((layer, (refs, kwargs, as_list)))
        pending = remaining
    if pending:
        names = sorted({layer.name for layer, _ in pending})
        raise ConfigError(f"The model config cannot be replayed: inputs of layers {names} are never produced.")

    def resolve(refs: Any) -> list[Any]:
        if refs and isinstance(refs[0], str):
            refs = [refs]
        tensors = []
        for r in refs:
            if r[0] not in outputs_of or len(outputs_of[r[0]]) <= r[1]:
                raise ConfigError(f"The model config names an unknown layer output {r!r}.")
            tensors.append(outputs_of[r[0]][r[1]][r[2]])
        return tensors

    inputs = resolve(config.get("input_layers") or [])
    outputs = resolve(config.get("output_layers") or [])
    return cls(
        inputs=inputs if len(inputs) > 1 else inputs[0],
        outputs=outputs if len(outputs) > 1 else outputs[0],
        name=config.get("name"),
    )


def _parse_node(node_data: Any) -> tuple[list[tuple[str, int, int]], dict[str, Any], bool]:
    """(input refs, call kwargs, whether the layer was called with a list) for either dialect."""
    if isinstance(node_data, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
        args = node_data.get("args") or []
        kwargs = {k: v for k, v in (node_data.get("kwargs") or {}).items() if k not in ("mask", "training")}
        refs: list[tuple[str, int, int]] = []
        as_list = len(args) == 1 and isinstance(args[0], list)
        # An RNN's initial_state tensors are replayed as extra inputs ([sequence, *states]), as Keras 2 stored them.
        initial_state = kwargs.pop("initial_state", None)
        for leaf in _keras3_tensors(args) + _keras3_tensors(initial_state):
            history = leaf["config"]["keras_history"]
            refs.append((history[0], int(history[1]), int(history[2])))
        return refs, kwargs, as_list or bool(_keras3_tensors(initial_state))
    refs = []
    kwargs: dict[str, Any] = {}
    for item in node_data:  # Keras 2: [[layer, node_index, tensor_index, kwargs], ...]
        refs.append((item[0], int(item[1]), int(item[2])))
        if len(item) > 3 and item[3]:
            kwargs.update({k: v for k, v in item[3].items() if k not in ("mask", "training")})
    return refs, kwargs, False


def _keras3_tensors(structure: Any) -> list[dict[str, Any]]:
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            return [structure]
        return [t for value in structure.values() for t in _keras3_tensors(value)]
    if isinstance(structure, list):
        return [t for item in structure for t in _keras3_tensors(item)]
    return []
