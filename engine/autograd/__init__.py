"""Reverse-mode automatic differentiation over the engine's tensors."""

import engine.ops._core as _op_library  # noqa: E402 - wires Tensor's operators
from engine.autograd import tensor as _tensor_module  # noqa: E402
from engine.autograd.tape import gradients, is_grad_enabled, no_grad, record, set_grad_enabled
from engine.autograd.tensor import Tensor, Variable, as_array, as_tensor

_tensor_module._ops = _op_library

__all__ = [
    "Tensor",
    "Variable",
    "as_array",
    "as_tensor",
    "gradients",
    "is_grad_enabled",
    "no_grad",
    "record",
    "set_grad_enabled",
]
