"""Fused neural-network ops with hand-written backward passes (the hot paths)."""

from __future__ import annotations

from typing import Any

from engine.autograd.tape import record
from engine.autograd.tensor import Tensor
from engine.backend import fused, xp
from engine.ops._core import _wrap


def dense(x: Any, kernel: Any, bias: Any = None, relu: bool = False) -> Tensor:
    """``x @ kernel + bias`` over the last axis of ``x``, optionally followed by ReLU.

    One GEMM forward; backward skips the input gradient when the input needs
    none (the first layer of a network), which is a third of its cost.
    """
    x, kernel = _wrap(x), _wrap(kernel)
    x_data, w_data = x.data, kernel.data
    lead = x_data.shape[:-1]
    x2 = x_data if x_data.ndim == 2 else x_data.reshape(-1, x_data.shape[-1])
    out = x2 @ w_data
    if bias is not None:
        bias = _wrap(bias)
    if bias is None or not fused.add_bias(out, bias.data, relu):  # one pass when a kernel is there
        if bias is not None:
            out += bias.data
        if relu:
            xp.maximum(out, 0, out=out)
    parents = (x, kernel) if bias is None else (x, kernel, bias)

    def backward(g):
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        if relu:
            masked = fused.relu_grad(g2, out)
            g2 = g2 * (out > 0) if masked is None else masked
        gx = (g2 @ w_data.T).reshape(x_data.shape) if x.requires_grad else None
        gw = x2.T @ g2 if kernel.requires_grad else None
        grads = [gx, gw]
        if bias is not None:
            grads.append(g2.sum(axis=0) if bias.requires_grad else None)
        return grads

    result = out if x_data.ndim == 2 else out.reshape(lead + (out.shape[-1],))
    return record(result, parents, backward)


def relu(x: Any) -> Tensor:
    x = _wrap(x)
    out = xp.maximum(x.data, 0)
    return record(out, (x,), lambda g: (g * (out > 0),))


def sigmoid(x: Any) -> Tensor:
    x = _wrap(x)
    out = _sigmoid(x.data)
    return record(out, (x,), lambda g: (g * out * (1 - out),))


def _sigmoid(data: Any) -> Any:
    # Evaluated as 0.5 * (1 + tanh(x / 2)): exact and overflow-free for any x.
    out = xp.tanh(data * 0.5)
    out += 1
    out *= 0.5
    return out


def tanh(x: Any) -> Tensor:
    x = _wrap(x)
    out = xp.tanh(x.data)
    return record(out, (x,), lambda g: (g * (1 - out * out),))


def softmax(x: Any, axis: int = -1) -> Tensor:
    x = _wrap(x)
    out = _softmax(x.data, axis)

    def backward(g):
        inner = (g * out).sum(axis=axis, keepdims=True)
        return ((g - inner) * out,)

    return record(out, (x,), backward)


def _softmax(data: Any, axis: int) -> Any:
    out = data - data.max(axis=axis, keepdims=True)
    xp.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    return out


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    x = _wrap(x)
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))

    def backward(g):
        return (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),)

    return record(out, (x,), backward)


def dropout(x: Any, rate: float, noise_shape: tuple[int, ...] | None = None, generator: Any = None) -> Tensor:
    """Inverted dropout: zero a ``rate`` fraction and scale the rest by 1/(1-rate)."""
    x = _wrap(x)
    if rate <= 0:
        return x
    from engine.backend import random as engine_random  # noqa: PLC0415

    rng = generator or engine_random.generator()
    shape = noise_shape or x.data.shape
    keep = rng.random(shape, dtype="float64" if x.data.dtype == "float64" else "float32") >= rate
    scale = xp.asarray(keep, dtype=x.data.dtype) * (1.0 / (1.0 - rate))
    scale = xp.asarray(scale)
    out = x.data * scale
    return record(out, (x,), lambda g: (g * scale,))
