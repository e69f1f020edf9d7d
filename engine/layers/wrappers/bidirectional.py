"""Bidirectional: runs a recurrent layer forwards and a copy of it backwards, then merges the two."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.layer import Layer

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """``Bidirectional(LSTM(16), merge_mode='concat')``.

    As in Keras, the wrapped layer is used as a template: the forward layer is a copy named
    ``forward_<name>``, the backward layer a copy with ``go_backwards`` flipped named
    ``backward_<name>`` (or ``backward_layer`` when given). Weights: forward's, then backward's.
    """

    def __init__(
        self, layer: Any, merge_mode: str | None = "concat", weights: Any = None, backward_layer: Any = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        from engine.models.model_config import deserialize_layer, serialize_layer  # noqa: PLC0415

        layer = deserialize_layer(layer) if isinstance(layer, dict) else layer
        backward_layer = deserialize_layer(backward_layer) if isinstance(backward_layer, dict) else backward_layer
        super().__init__(**kwargs)
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ConfigError(
                f"Bidirectional layer '{self.name}' wraps a recurrent layer (with go_backwards), received {layer!r}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ConfigError(
                f"Bidirectional layer '{self.name}': merge_mode must be one of {_MERGE_MODES}, got {merge_mode!r}."
            )
        if self._batch_input_shape is None and layer._batch_input_shape is not None:
            self._batch_input_shape = layer._batch_input_shape
        config = serialize_layer(layer)
        config["config"]["name"] = "forward_" + _strip(layer.name, "forward_")
        config["config"].pop("batch_input_shape", None)
        self.forward_layer = deserialize_layer(config)
        if backward_layer is None:
            config = serialize_layer(layer)
            config["config"]["go_backwards"] = not layer.go_backwards
            config["config"]["name"] = "backward_" + _strip(layer.name, "backward_")
            config["config"].pop("batch_input_shape", None)
            backward_layer = deserialize_layer(config)
        elif not isinstance(backward_layer, Layer):
            raise ConfigError(
                f"Bidirectional layer '{self.name}': backward_layer must be a Layer, got {backward_layer!r}."
            )
        self.backward_layer = backward_layer
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ConfigError(
                f"Bidirectional layer '{self.name}': the forward and backward layers must have different "
                f"go_backwards, got {forward.go_backwards} for both."
            )
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attr) != getattr(backward, attr):
                raise ConfigError(
                    f"Bidirectional layer '{self.name}': forward and backward layers must agree on {attr}, got "
                    f"{getattr(forward, attr)} and {getattr(backward, attr)}."
                )
        # Padded steps of the sequence outputs are zeros, so the flipped backward outputs line up (Keras does this).
        for inner in (forward, backward):
            if hasattr(inner, "zero_output_for_mask"):
                inner.zero_output_for_mask = inner.return_sequences
        self.merge_mode = merge_mode
        self.stateful = forward.stateful
        self.return_sequences = forward.return_sequences
        self.return_state = forward.return_state
        self.supports_masking = True
        self._initial_weights = weights

    def __call__(self, inputs: Any, *args: Any, initial_state: Any = None, **kwargs: Any) -> Any:
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            inputs = [inputs, *states]
        return super().__call__(inputs, *args, **kwargs)

    def build(self, input_shape: Any) -> None:
        seq_shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        for inner in (self.forward_layer, self.backward_layer):
            inner._maybe_build(tuple(seq_shape))
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(list(self._initial_weights))
            self._initial_weights = None

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        if isinstance(inputs, (list, tuple)):
            sequences, states = inputs[0], list(inputs[1:])
            half = len(states) // 2
            forward_in, backward_in = [sequences, *states[:half]], [sequences, *states[half:]]
        else:
            forward_in = backward_in = inputs
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        y = self.forward_layer._call_eager(forward_in, training=training, mask=mask)
        y_rev = self.backward_layer._call_eager(backward_in, training=training, mask=mask)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) * 0.5
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            return [y, y_rev, *states]
        return [output, *states] if self.return_state else output

    def compute_output_shape(self, input_shape: Any) -> Any:
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        shape = tuple(shape)
        if self.merge_mode == "concat":
            outputs = [shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)]
        elif self.merge_mode is None:
            outputs = [shape, shape]
        else:
            outputs = [shape]
        result = outputs + [tuple(s) for s in states] * 2
        return result if len(result) > 1 else result[0]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        return mask if self.return_sequences else None

    def reset_states(self, states: Any = None) -> None:
        """Reset both directions; ``states`` (optional) lists the forward states, then the backward ones."""
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def get_config(self) -> dict[str, Any]:
        from engine.models.model_config import serialize_layer  # noqa: PLC0415

        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialize_layer(self.forward_layer),
            "backward_layer": serialize_layer(self.backward_layer),
        }


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name
