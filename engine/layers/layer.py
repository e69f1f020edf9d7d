"""The base ``Layer``: weights, building on first use, symbolic and eager calls.

A subclass implements ``build(input_shape)`` (creating weights with
``add_weight``) and ``call(inputs[, training][, mask])`` with engine ops and
ordinary operators; gradients come from the tape. ``compute_output_shape`` and
``get_config`` complete a layer; both have working defaults.
"""

from __future__ import annotations

import inspect
from typing import Any

from engine import ops
from engine.autograd import Tensor, Variable, as_tensor, no_grad
from engine.backend import _state, to_numpy, xp
from engine.backend import devices as _devices
from engine.errors import ConfigError, NotBuiltError, ShapeError, StrataError
from engine.layers import naming, placeholders
from engine.layers.input_spec import InputSpec, format_shape
from engine.layers.node import KerasTensor, Node, flatten, is_symbolic, map_structure

_BASE_KWARGS = {
    "trainable",
    "name",
    "dtype",
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "input_dim",
    "activity_regularizer",
    "input_length",
}


class Layer:
    """A unit of computation with weights: the building block of every model."""

    def __init__(
        self,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        activity_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        unknown = set(kwargs) - _BASE_KWARGS
        if unknown:
            raise ConfigError(
                f"{type(self).__name__} got unexpected keyword argument(s): {', '.join(sorted(unknown))}."
            )
        object.__setattr__(self, "_tracked_layers", {})
        if name is None:
            name = naming.unique_name(naming.to_snake_case(type(self).__name__))
        elif not isinstance(name, str) or not name:
            raise ConfigError(f"Layer name must be a non-empty string, got {name!r}.")
        else:
            naming.reserve_name(name)
        self.name = name
        self._trainable = bool(trainable)
        self.dtype = _standardize_dtype(dtype)
        self.built = False
        self.stateful = False
        self.supports_masking = False
        self.input_spec: InputSpec | list[InputSpec] | None = None
        self._own_weights: list[Variable] = []
        self._inbound_nodes: list[Node] = []
        self._activity_losses: list[Tensor] = []
        from engine import regularizers  # noqa: PLC0415 - regularizers import layers lazily too

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._batch_input_shape = _batch_input_shape_from(kwargs)

    # -- attribute tracking of sub-layers ---------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        tracked = self.__dict__.get("_tracked_layers")
        if tracked is not None:
            if isinstance(value, Layer) and not name.startswith("__"):
                tracked[name] = value
            elif name in tracked:
                del tracked[name]
        object.__setattr__(self, name, value)

    def _sublayers(self) -> list[Layer]:
        """Layers whose weights belong to this one (e.g. the layer inside a wrapper)."""
        return list(self._tracked_layers.values())

    # -- trainable and weights ----------------------------------------------
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    def add_weight(
        self,
        name: str,
        shape: tuple[int, ...],
        initializer: Any = "glorot_uniform",
        trainable: bool = True,
        regularizer: Any = None,
        dtype: Any = None,
        constraint: Any = None,
    ) -> Variable:
        """Create a weight of this layer; call it from ``build``."""
        from engine import constraints, initializers, regularizers  # noqa: PLC0415

        shape = tuple(int(d) for d in shape)
        dtype = _standardize_dtype(dtype) if dtype is not None else self.dtype
        init = initializers.get(initializer)
        if placeholders.active():
            value = placeholders.placeholder(shape, dtype)  # shapes only: no memory, no initializer
        else:
            value = xp.asarray(init(shape, dtype=dtype), dtype=dtype)
            if tuple(value.shape) != shape:
                value = xp.broadcast_to(value, shape).copy()
            # Weights are updated in place and fed to GEMMs: keep them C-contiguous and owned.
            if not value.flags["C_CONTIGUOUS"]:
                value = value.copy()
        variable = Variable(
            value,
            name=name,
            trainable=trainable,
            regularizer=regularizers.get(regularizer),
            constraint=constraints.get(constraint),
        )
        variable.path = f"{self.name}/{name}"
        self._own_weights.append(variable)
        return variable

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [w for w in self._own_weights if w.trainable]
        return _dedup(own + [w for layer in self._sublayers() for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return self.weights
        own = [w for w in self._own_weights if not w.trainable]
        return _dedup(own + [w for layer in self._sublayers() for w in layer.non_trainable_weights])

    @property
    def weights(self) -> list[Variable]:
        """All weights in Keras order: this layer's own, then its sub-layers'."""
        return _dedup(self._own_weights + [w for layer in self._sublayers() for w in layer.weights])

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self) -> list[Any]:
        """The weights as host NumPy arrays (copies)."""
        return [to_numpy(w.data).copy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign arrays to the weights, in the order of ``get_weights()``."""
        own = self.weights
        if len(weights) != len(own):
            raise ShapeError(
                f"Layer '{self.name}' expects {len(own)} weight arrays "
                f"({', '.join(w.name for w in own) or 'none'}), received {len(weights)}."
            )
        for variable, value in zip(own, weights):
            shape = tuple(getattr(value, "shape", ()))
            if shape != variable.shape:
                raise ShapeError(
                    f"Layer '{self.name}' weight '{variable.name}' has shape {format_shape(variable.shape)}, "
                    f"received an array of shape {format_shape(shape)}."
                )
            variable.assign(value)

    def count_params(self) -> int:
        if not self.built:
            raise NotBuiltError(
                f"Layer '{self.name}' has not been built yet, so its parameter count is unknown. "
                "Call it on an input (or build the model) first."
            )
        total = 0
        for w in self.weights:
            size = 1
            for d in w.shape:
                size *= d
            total += size
        return total

    # -- losses ------------------------------------------------------------
    @property
    def losses(self) -> list[Tensor]:
        """Regularization penalties (weights and activity), as tensors on the tape."""
        penalties = [w.regularizer(w) for w in self._own_weights if w.regularizer is not None]
        penalties.extend(self._activity_losses)
        for layer in self._sublayers():
            penalties.extend(layer.losses)
        return penalties

    def _clear_activity_losses(self) -> None:
        self._activity_losses = []
        for layer in self._sublayers():
            layer._clear_activity_losses()

    # -- the call protocol ---------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape`` (batch dimension included)."""
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses implement it with engine ops."""
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for ``input_shape``; by default found by running ``call`` on zeros."""
        return _infer_output_shape(self, input_shape)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask if self.supports_masking else None

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if is_symbolic(inputs):
            return self._call_symbolic(inputs, args, kwargs)
        return self._call_eager(inputs, *args, **kwargs)

    def _maybe_build(self, input_shape: Any) -> None:
        if self.built:
            return
        self._check_input_spec(input_shape)
        try:
            self.build(input_shape)
        except StrataError:
            raise
        except Exception as error:  # noqa: BLE001 - turned into a readable error
            raise ShapeError(
                f"Layer '{self.name}' ({type(self).__name__}) cannot be built for input shape "
                f"{_fmt_structure(input_shape)}: {error}"
            ) from error
        self.built = True

    def _check_input_spec(self, input_shape: Any) -> None:
        if self.input_spec is None:
            return
        specs = self.input_spec if isinstance(self.input_spec, list) else [self.input_spec]
        shapes = input_shape if _is_shape_list(input_shape) else [input_shape]
        for index, (spec, shape) in enumerate(zip(specs, shapes)):
            if spec is not None:
                spec.check(self.name, tuple(shape), index)

    def _call_symbolic(self, inputs: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
        _devices.remember_scope(self)
        input_shape = map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
        self._maybe_build(input_shape)
        self._check_input_spec(input_shape)
        try:
            output_shape = self.compute_output_shape(input_shape)
        except StrataError:
            raise
        except Exception as error:  # noqa: BLE001
            raise ShapeError(
                f"Layer '{self.name}' ({type(self).__name__}) cannot be applied to input shape "
                f"{_fmt_structure(input_shape)}: {error}"
            ) from error
        first = next(iter(flatten(inputs)))
        node_index = len(self._inbound_nodes)
        if _is_shape_list(output_shape):
            outputs = [KerasTensor(s, first.dtype) for s in output_shape]
        else:
            outputs = [KerasTensor(output_shape, first.dtype)]
        for i, tensor in enumerate(outputs):
            tensor._keras_history = (self, node_index, i)
        call_kwargs = dict(kwargs)
        if args:
            call_kwargs["_positional"] = list(args)
        self._inbound_nodes.append(Node(self, inputs, call_kwargs, outputs))
        return outputs if _is_shape_list(output_shape) else outputs[0]

    def _call_eager(self, inputs: Any, *args: Any, training: Any = None, mask: Any = None, **kwargs: Any) -> Any:
        if _devices.placement_used() and not getattr(self, "_routing", False):
            self._routing = True  # layers placed with backend.device(...) run there (see devices.route)
            try:
                return _devices.route(self, inputs, lambda moved: self._call_eager(moved, *args, training=training,
                                                                                   mask=mask, **kwargs))  # fmt: skip
            finally:
                self._routing = False
        inputs = map_structure(_to_tensor, inputs)
        shapes = map_structure(lambda t: t.shape, inputs)
        self._maybe_build(shapes)
        self._check_input_spec(shapes)
        if mask is None:
            masks = [getattr(t, "_keras_mask", None) for t in flatten(inputs)]
            if any(m is not None for m in masks):
                mask = masks[0] if len(masks) == 1 else masks
        accepts = _call_signature(type(self))
        if "training" in accepts:
            kwargs["training"] = bool(training)
        if "mask" in accepts and mask is not None:
            kwargs["mask"] = mask
        outputs = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            for out in flatten(outputs):
                self._activity_losses.append(self.activity_regularizer(out) / out.shape[0])
        out_mask = self.compute_mask(inputs, mask)
        if out_mask is not None or mask is not None:
            for out in flatten(outputs):
                if isinstance(out, Tensor):
                    out._keras_mask = out_mask
        return outputs

    # -- graph facts -------------------------------------------------------
    def _single_node(self, what: str) -> Node:
        if not self._inbound_nodes:
            raise NotBuiltError(
                f"Layer '{self.name}' has no {what} yet: it has not been called on a symbolic input "
                "(give the model an input shape, or call the layer on Input())."
            )
        return self._inbound_nodes[0]

    @property
    def input(self) -> Any:
        return self._single_node("input").args

    @property
    def output(self) -> Any:
        outputs = self._single_node("output").outputs
        return outputs[0] if len(outputs) == 1 else outputs

    @property
    def input_shape(self) -> Any:
        return map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self) -> Any:
        return map_structure(lambda t: t.shape, self.output)

    # -- state -------------------------------------------------------------
    def reset_states(self, states: Any = None) -> None:
        """Reset recurrent state; stateless layers have none."""

    # -- serialization -----------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None:
            from engine import regularizers  # noqa: PLC0415

            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


# -- helpers -----------------------------------------------------------------
_SIGNATURES: dict[type, frozenset[str]] = {}


def _call_signature(cls: type) -> frozenset[str]:
    names = _SIGNATURES.get(cls)
    if names is None:
        parameters = inspect.signature(cls.call).parameters
        names = frozenset(parameters)
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            names = names | {"training", "mask"}
        _SIGNATURES[cls] = names
    return names


def _to_tensor(value: Any) -> Any:
    if isinstance(value, Tensor) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    array = value
    if hasattr(array, "dtype") and getattr(array.dtype, "kind", "f") == "f" and array.dtype != _state.floatx():
        return as_tensor(array, dtype=_state.floatx())
    return as_tensor(array)


def _dedup(variables: list[Variable]) -> list[Variable]:
    seen: set[int] = set()
    unique = []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            unique.append(v)
    return unique


def _standardize_dtype(dtype: Any) -> str:
    if dtype is None:
        return _state.floatx()
    if isinstance(dtype, dict):  # Keras 3 DTypePolicy config
        dtype = dtype.get("config", {}).get("name", _state.floatx())
    name = str(getattr(dtype, "name", dtype))
    if name.startswith("mixed_"):
        name = name.split("_", 1)[1]
    return name


def _batch_input_shape_from(kwargs: dict[str, Any]) -> tuple | None:
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        if kwargs.get("input_length") is not None:
            return (kwargs.get("batch_size"), kwargs["input_length"], kwargs["input_dim"])
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _is_shape_list(shape: Any) -> bool:
    return isinstance(shape, list) and all(isinstance(s, (tuple, list)) for s in shape) and len(shape) > 0


def _fmt_structure(shape: Any) -> str:
    if _is_shape_list(shape):
        return "[" + ", ".join(format_shape(tuple(s)) for s in shape) + "]"
    return format_shape(tuple(shape))


def _infer_output_shape(layer: Layer, input_shape: Any) -> Any:
    """Run ``call`` on zeros (unknown dims set to 2) to learn the output shape."""

    def zeros(shape: Any) -> Tensor:
        concrete = tuple(2 if d is None else d for d in shape)
        return Tensor(xp.zeros(concrete, dtype=layer.dtype))

    def unknown_batch(shape: tuple, template: tuple) -> tuple:
        out = list(shape)
        if template and template[0] is None and out:
            out[0] = None
        return tuple(out)

    template = input_shape[0] if _is_shape_list(input_shape) else input_shape
    sample = [zeros(s) for s in input_shape] if _is_shape_list(input_shape) else zeros(input_shape)
    with no_grad():
        result = layer.call(sample)
    if isinstance(result, (list, tuple)):
        return [unknown_batch(tuple(r.shape), tuple(template)) for r in result]
    return unknown_batch(tuple(result.shape), tuple(template))


_ = ops
