"""Embedding: turns integer ids into dense vectors (rows of a trainable table)."""

from __future__ import annotations

from typing import Any

from engine import constraints, initializers, regularizers
from engine.autograd import Tensor
from engine.backend import xp
from engine.errors import ConfigError
from engine.layers.config_utils import serialize_optional
from engine.layers.layer import Layer
from engine.ops.embedding import embedding_lookup


class Embedding(Layer):
    """``Embedding(input_dim, output_dim)``: ids in ``[0, input_dim)`` -> vectors of ``output_dim``.

    ``mask_zero=True`` treats id 0 as padding: the output carries a mask that recurrent layers
    downstream honour (so id 0 cannot be a real token and ``input_dim`` should be vocabulary + 1).
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        weights: Any = None,
        input_length: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("lora_rank", None)
        kwargs.pop("lora_alpha", None)
        if input_length is not None and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        for label, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"Embedding layer '{self.name}': {label} must be a positive integer, got {value!r}.")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self.supports_masking = self.mask_zero
        self._initial_weights = weights

    def build(self, input_shape: Any = None) -> None:
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint,
        )  # fmt: skip
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(list(self._initial_weights))
            self._initial_weights = None

    def call(self, inputs: Any) -> Any:
        return embedding_lookup(inputs, self.embeddings)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not self.mask_zero:
            return None
        return xp.not_equal((inputs.data if isinstance(inputs, Tensor) else inputs), 0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": serialize_optional(regularizers.serialize, self.embeddings_regularizer),
            "embeddings_constraint": serialize_optional(constraints.serialize, self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
        if self.input_length is not None:
            config["input_length"] = self.input_length
            config.pop("batch_input_shape", None)
        return config
