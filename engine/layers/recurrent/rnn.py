"""RNN: runs a cell over the time axis; the base of SimpleRNN, LSTM and GRU.

The base owns what every recurrent layer shares: initial states (zeros, the
``initial_state=[...]`` call argument, or the carried-over states of a
stateful layer), masking (masked steps keep the previous state and output),
``go_backwards``, ``return_sequences``/``return_state`` and dropout masks.
The generic path steps the cell with tape ops; the concrete layers replace it
by a fused whole-sequence op when their activations allow.
"""

from __future__ import annotations

from typing import Any

from engine import activations, ops
from engine.autograd import Tensor
from engine.backend import random as engine_random
from engine.backend import xp
from engine.errors import ConfigError, ShapeError
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer

_FUSED_NAMES = {
    activations.tanh: "tanh",
    activations.sigmoid: "sigmoid",
    activations.relu: "relu",
    activations.linear: "linear",
    activations.hard_sigmoid: "hard_sigmoid",
}


def fused_activation_name(fn: Any) -> str | None:
    """The fused op's name for an activation function, or None when only the generic path handles it."""
    return _FUSED_NAMES.get(fn)


class RNN(Layer):
    """``RNN(cell)``: applies ``cell`` (a layer with ``call(inputs, states)`` and ``state_size``) step by step.

    Args (shared by SimpleRNN, LSTM and GRU):
        return_sequences: output every step ``(batch, time, units)`` instead of the last ``(batch, units)``.
        return_state: also return the final states (``[output, *states]``).
        go_backwards: process the sequence in reverse (outputs come in processing order, as in Keras).
        stateful: the final states of each batch are the initial states of the next, for ``fit``,
            ``evaluate``, ``predict`` and the ``*_on_batch`` methods alike; sample ``i`` of a batch continues
            sample ``i`` of the previous one. This needs a fixed batch size (``batch_size=`` with
            ``input_shape=`` on the first layer, ``batch_input_shape=``, or ``Input(batch_shape=...)``) and
            ``fit(..., shuffle=False)`` (shuffling breaks the sample-to-sample correspondence; ``fit`` warns).
            ``reset_states()`` zeroes the states (or sets them to given arrays). Gradients never flow into
            earlier batches.
        unroll: accepted for Keras compatibility; the fused ops already run the loop without graph overhead.
        zero_output_for_mask: masked steps output zeros instead of repeating the previous output (the state
            is kept either way); Bidirectional sets it for sequence outputs, as Keras does.

    Call arguments: ``initial_state=[...]`` (tensors or arrays; symbolic tensors in the functional API),
    ``mask`` (boolean ``(batch, time)``, usually propagated from Embedding(mask_zero=True) or Masking),
    ``training`` (turns on ``dropout``/``recurrent_dropout``).
    """

    def __init__(
        self,
        cell: Any,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("time_major", None)  # Keras 2 configs; always False there
        kwargs.pop("implementation", None)  # Keras 2 kernel-layout switch; the maths is the same
        super().__init__(**kwargs)
        if isinstance(cell, dict):
            from engine.models.model_config import deserialize_layer  # noqa: PLC0415

            cell = deserialize_layer(cell)
        if isinstance(cell, (list, tuple)):
            from engine.layers.recurrent.stacked_rnn_cells import StackedRNNCells  # noqa: PLC0415

            cell = StackedRNNCells(list(cell))
        if not isinstance(cell, Layer) or not hasattr(cell, "state_size"):
            raise ConfigError(
                f"RNN layer '{self.name}': cell must be a Layer with a state_size and call(inputs, states), "
                f"received {cell!r}."
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.states: list[Any] | None = None
        self.input_spec = InputSpec(ndim=3)

    # -- call protocol -------------------------------------------------------
    def __call__(self, inputs: Any, *args: Any, initial_state: Any = None, **kwargs: Any) -> Any:
        # Initial states travel as extra inputs, so that a functional graph tracks them like any tensor.
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            inputs = [inputs, *states]
        return super().__call__(inputs, *args, **kwargs)

    @property
    def _state_sizes(self) -> list[int]:
        size = self.cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def units(self) -> int:
        """The width of the output (the first state's, or a stacked cell's last output)."""
        return getattr(self.cell, "output_size", self._state_sizes[0])

    def build(self, input_shape: Any) -> None:
        seq_shape = tuple(input_shape[0]) if isinstance(input_shape, list) else tuple(input_shape)
        if seq_shape[-1] is None:
            raise ConfigError(f"RNN layer '{self.name}' needs a known feature dimension, got {seq_shape}.")
        if not self.cell.built:
            self.cell.build((seq_shape[0], seq_shape[-1]))
            self.cell.built = True
        self.input_spec = InputSpec(ndim=3, axes={-1: seq_shape[-1]})
        self.built = True

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        if isinstance(inputs, (list, tuple)):
            sequences, initial = inputs[0], list(inputs[1:])
        else:
            sequences, initial = inputs, []
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        mask = mask.data if isinstance(mask, Tensor) else mask
        batch = sequences.shape[0]
        states = initial if initial else self._initial_states(batch, sequences.dtype)
        if len(states) != len(self._state_sizes):
            raise ShapeError(
                f"Layer '{self.name}' expects {len(self._state_sizes)} initial state(s), received {len(states)}."
            )
        self._reset_dropout_masks()
        output, final_states = self._run(sequences, states, mask, bool(training))
        if self.stateful:
            self.states = [xp.array((s.data if isinstance(s, Tensor) else s), copy=True) for s in final_states]
        if self.return_state:
            return [output, *[s if isinstance(s, Tensor) else Tensor(s) for s in final_states]]
        return output

    def _state_shapes(self, batch: int) -> list[tuple[int, ...]]:
        """The shape of each state for a batch (convolutional RNNs have spatial states)."""
        return [(batch, n) for n in self._state_sizes]

    def _initial_states(self, batch: int, dtype: Any) -> list[Any]:
        if not self.stateful:
            return [Tensor(xp.zeros(shape, dtype=dtype)) for shape in self._state_shapes(batch)]
        if self.states is None:
            fixed = self._batch_input_shape[0] if self._batch_input_shape else None
            self.states = [xp.zeros(shape, dtype=dtype) for shape in self._state_shapes(fixed or batch)]
        expected = self.states[0].shape[0]
        if expected != batch:
            raise ShapeError(
                f"Layer '{self.name}' is stateful with batch size {expected}, but received a batch of {batch} "
                "samples. A stateful RNN needs every batch to have the fixed batch size (use batch_size= on "
                "the first layer or batch_shape= on Input, and a sample count divisible by it)."
            )
        # A fresh tensor: states carry values across batches but gradients never flow into the past batch.
        return [Tensor(s.copy()) for s in self.states]

    # -- the loop ---------------------------------------------------------------
    def _run(self, sequences: Tensor, states: list[Any], mask: Any, training: bool) -> tuple[Any, list[Any]]:
        """The generic path: step the cell with tape ops."""
        cell = self.cell
        sequences = self._input_dropout(sequences, training)
        timesteps = sequences.shape[1]
        order = range(timesteps - 1, -1, -1) if self.go_backwards else range(timesteps)
        states = list(states)
        previous = states[0]
        outputs = []
        for t in order:
            output, new_states = cell.call(sequences[:, t], states, training=training)
            new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
            if mask is not None:
                keep = xp.asarray(mask[:, t])[:, None]
                new_states = [ops.where(keep, n, o) for n, o in zip(new_states, states)]
                fallback = ops.multiply(output, 0.0) if self.zero_output_for_mask else previous
                output = ops.where(keep, output, fallback)
            states, previous = new_states, output
            outputs.append(output)
        result = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return result, states

    # -- dropout -------------------------------------------------------------------
    def _reset_dropout_masks(self) -> None:
        for cell in getattr(self.cell, "cells", [self.cell]):
            cell._dropout_mask = None
            cell._recurrent_dropout_mask = None

    def _input_dropout(self, sequences: Any, training: bool) -> Any:
        """Drop the same input features at every time step (Keras's per-sequence dropout mask)."""
        rate = getattr(self.cell, "dropout", 0.0)
        if not training or not 0.0 < rate < 1.0:
            return sequences
        shape = (sequences.shape[0], 1, *sequences.shape[2:])
        return ops.multiply(sequences, _dropout_scale(shape, rate, sequences.dtype))

    def _recurrent_dropout(self, batch: int, dtype: Any, training: bool) -> Any:
        rate = getattr(self.cell, "recurrent_dropout", 0.0)
        if not training or not 0.0 < rate < 1.0:
            return None
        return _dropout_scale((batch, self.units), rate, dtype)

    # -- state -------------------------------------------------------------------------
    def reset_states(self, states: Any = None) -> None:
        """Zero the carried-over states of a stateful layer, or set them to ``states`` (arrays)."""
        if not self.stateful:
            raise ConfigError(f"Layer '{self.name}' is not stateful: only stateful RNNs have states to reset.")
        batch = self._batch_input_shape[0] if self._batch_input_shape else None
        if batch is None and self.states is not None:
            batch = self.states[0].shape[0]
        if states is None:
            self.states = (
                None if batch is None else [xp.zeros(shp, dtype=self.dtype) for shp in self._state_shapes(batch)]
            )
            return
        values = list(states) if isinstance(states, (list, tuple)) else [states]
        if len(values) != len(self._state_sizes):
            raise ShapeError(f"Layer '{self.name}' has {len(self._state_sizes)} state(s), received {len(values)}.")
        arrays = []
        for index, value in enumerate(values):
            array = xp.asarray((value.data if isinstance(value, Tensor) else value), dtype=self.dtype)
            expected = self._state_shapes(batch if batch is not None else array.shape[0])[index]
            if tuple(array.shape) != expected:
                raise ShapeError(
                    f"State {index} of layer '{self.name}' expects shape {expected}, received {tuple(array.shape)}."
                )
            arrays.append(array.copy())
        self.states = arrays

    reset_state = reset_states

    # -- shapes and config -------------------------------------------------------------
    def compute_output_shape(self, input_shape: Any) -> Any:
        seq_shape = tuple(input_shape[0]) if isinstance(input_shape, list) else tuple(input_shape)
        batch = seq_shape[0]
        output = (batch, seq_shape[1], self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [output] + [(batch, n) for n in self._state_sizes]
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        return mask if self.return_sequences else None

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        if type(self) is RNN:
            from engine.models.model_config import serialize_layer  # noqa: PLC0415

            config["cell"] = serialize_layer(self.cell)
        return config


def _dropout_scale(shape: tuple[int, ...], rate: float, dtype: Any) -> Any:
    keep = engine_random.generator().random(shape) >= rate
    return xp.asarray(keep.astype(str(dtype)) * (1.0 / (1.0 - rate)), dtype=dtype)


class FusedRNN(RNN):
    """A recurrent layer built from its own cell type, running a fused whole-sequence op when it can.

    Subclasses name their ``cell_class``, the cell-only config keys (``cell_keys``) and implement
    ``_fused(sequences, states, mask, rdrop, act, rec_act)`` returning the packed op result.
    """

    cell_class: type = Layer
    cell_keys: tuple[str, ...] = ()
    n_states = 1

    def __init__(self, units: int, **kwargs: Any) -> None:
        cell_kwargs = {k: kwargs.pop(k) for k in self.cell_keys if k in kwargs}
        for key in ("dtype", "trainable"):
            if key in kwargs:
                cell_kwargs[key] = kwargs[key]
        kwargs.pop("cell", None)
        cell = self.cell_class(units, **cell_kwargs)
        super().__init__(cell, **kwargs)

    def __getattr__(self, name: str) -> Any:
        # Keras exposes the cell's hyperparameters on the layer (layer.units, layer.dropout, ...).
        cell = self.__dict__.get("cell")
        if cell is not None and name in type(self).cell_keys:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _run(self, sequences: Tensor, states: list[Any], mask: Any, training: bool) -> tuple[Any, list[Any]]:
        cell = self.cell
        act = fused_activation_name(cell.activation)
        rec_act = fused_activation_name(getattr(cell, "recurrent_activation", activations.sigmoid))
        if act is None or rec_act is None:
            return super()._run(sequences, states, mask, training)
        batch, timesteps = sequences.shape[0], sequences.shape[1]
        rdrop = self._recurrent_dropout(batch, sequences.dtype, training)
        packed = self._fused(self._input_dropout(sequences, training), states, mask, rdrop, act, rec_act)
        t_out = timesteps if self.return_sequences else 1
        output = packed[:, :t_out] if self.return_sequences else packed[:, 0]
        if self.return_state:
            final = [packed[:, t_out + k] for k in range(self.n_states)]
        else:
            final = [packed.data[:, t_out + k] for k in range(self.n_states)]
        return output, final

    def _fused(self, sequences: Any, states: list[Any], mask: Any, rdrop: Any, act: str, rec_act: str) -> Tensor:
        raise NotImplementedError  # abstract: each fused RNN layer supplies its op

    def _op_options(self, mask: Any, rdrop: Any) -> dict[str, Any]:
        return {
            "mask": mask,
            "go_backwards": self.go_backwards,
            "return_sequences": self.return_sequences,
            "zero_output_for_mask": self.zero_output_for_mask,
            "recurrent_dropout_mask": rdrop,
        }

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        cell_config = self.cell.get_config()
        config.update({k: cell_config[k] for k in self.cell_keys if k in cell_config})
        return config
