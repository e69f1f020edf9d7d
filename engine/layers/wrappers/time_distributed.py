"""TimeDistributed: applies one layer to every time step (slice along axis 1) with shared weights."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError, ShapeError
from engine.layers.layer import Layer


class TimeDistributed(Layer):
    """``TimeDistributed(Dense(8))`` on ``(batch, time, features)`` gives ``(batch, time, 8)``.

    The time axis is folded into the batch, the layer runs once, and the result is unfolded.
    """

    def __init__(self, layer: Any, **kwargs: Any) -> None:
        from engine.models.model_config import deserialize_layer  # noqa: PLC0415

        layer = deserialize_layer(layer) if isinstance(layer, dict) else layer
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ConfigError(f"TimeDistributed layer '{self.name}' wraps a Layer instance, received {layer!r}.")
        self.layer = layer
        self.supports_masking = True

    def _inner_shape(self, input_shape: tuple) -> tuple:
        if len(input_shape) < 3:
            raise ShapeError(
                f"TimeDistributed layer '{self.name}' expects inputs of rank >= 3 (batch, time, ...), "
                f"received shape {tuple(input_shape)}."
            )
        batch, steps = input_shape[0], input_shape[1]
        folded = None if batch is None or steps is None else batch * steps
        return (folded, *input_shape[2:])

    def build(self, input_shape: tuple) -> None:
        self.layer._maybe_build(self._inner_shape(tuple(input_shape)))
        self.built = True

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        batch, steps = inputs.shape[0], inputs.shape[1]
        folded = ops.reshape(inputs, (batch * steps, *inputs.shape[2:]))
        outputs = self.layer._call_eager(folded, training=training)
        return ops.reshape(outputs, (batch, steps, *outputs.shape[1:]))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        inner = self.layer.compute_output_shape(self._inner_shape(tuple(input_shape)))
        return (input_shape[0], input_shape[1], *tuple(inner)[1:])

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask

    def get_config(self) -> dict[str, Any]:
        from engine.models.model_config import serialize_layer  # noqa: PLC0415

        return {**super().get_config(), "layer": serialize_layer(self.layer)}
