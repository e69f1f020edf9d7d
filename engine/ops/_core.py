"""Differentiable array ops: arithmetic, reductions, shape changes, indexing.

Each op takes tensors (or arrays / Python numbers), computes its result with
the backend's array module and records a backward closure on the tape.
Closures return one gradient per parent (``None`` when that parent needs
none), already reduced to the parent's shape when broadcasting happened.
"""

from __future__ import annotations

import builtins
from typing import Any

from engine.autograd.tape import record
from engine.autograd.tensor import Tensor, as_array
from engine.backend import scatter_add, xp

_SCALARS = (int, float)


def _wrap(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(as_array(value))


def _operand(value: Any) -> tuple[Any, Tensor | None]:
    """The raw operand for the array module, and the Tensor parent (None for constants)."""
    if isinstance(value, Tensor):
        return value.data, value
    if isinstance(value, _SCALARS) and not isinstance(value, bool):
        return value, None
    return as_array(value), None


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over the axes along which an operand of ``shape`` was broadcast."""
    if tuple(grad.shape) == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _binary(a: Any, b: Any, forward, grad_a, grad_b) -> Tensor:
    a_data, a_t = _operand(a)
    b_data, b_t = _operand(b)
    out = forward(a_data, b_data)
    parents = tuple(t for t in (a_t, b_t) if t is not None)
    a_shape = getattr(a_data, "shape", ())
    b_shape = getattr(b_data, "shape", ())

    def backward(g):
        grads = []
        if a_t is not None:
            grads.append(unbroadcast(grad_a(g, a_data, b_data, out), a_shape) if a_t.requires_grad else None)
        if b_t is not None:
            grads.append(unbroadcast(grad_b(g, a_data, b_data, out), b_shape) if b_t.requires_grad else None)
        return grads

    return record(out, parents, backward)


def add(a: Any, b: Any) -> Tensor:
    return _binary(a, b, xp.add, lambda g, a, b, o: g, lambda g, a, b, o: g)


def subtract(a: Any, b: Any) -> Tensor:
    return _binary(a, b, xp.subtract, lambda g, a, b, o: g, lambda g, a, b, o: -g)


def multiply(a: Any, b: Any) -> Tensor:
    return _binary(a, b, xp.multiply, lambda g, a, b, o: g * b, lambda g, a, b, o: g * a)


def divide(a: Any, b: Any) -> Tensor:
    return _binary(
        a,
        b,
        xp.true_divide,
        lambda g, a, b, o: g / b,
        lambda g, a, b, o: -g * o / b,
    )


def power(a: Any, b: Any) -> Tensor:
    def grad_base(g, a, b, o):
        return g * b * xp.power(a, b - 1)

    def grad_exponent(g, a, b, o):
        return g * o * xp.log(xp.where(a > 0, a, 1))

    return _binary(a, b, xp.power, grad_base, grad_exponent)


def maximum(a: Any, b: Any) -> Tensor:
    return _binary(
        a,
        b,
        xp.maximum,
        lambda g, a, b, o: g * (a >= b),
        lambda g, a, b, o: g * (a < b),
    )


def minimum(a: Any, b: Any) -> Tensor:
    return _binary(
        a,
        b,
        xp.minimum,
        lambda g, a, b, o: g * (a <= b),
        lambda g, a, b, o: g * (a > b),
    )


def _unary(x: Any, forward, grad) -> Tensor:
    x = _wrap(x)
    data = x.data
    out = forward(data)

    def backward(g):
        return (grad(g, data, out),)

    return record(out, (x,), backward)


def negative(x: Any) -> Tensor:
    return _unary(x, xp.negative, lambda g, x, o: -g)


def abs(x: Any) -> Tensor:  # noqa: A001 - mirrors the array API name
    return _unary(x, xp.abs, lambda g, x, o: g * xp.sign(x))


def sign(x: Any) -> Tensor:
    return _unary(x, xp.sign, lambda g, x, o: xp.zeros_like(g))


def exp(x: Any) -> Tensor:
    return _unary(x, xp.exp, lambda g, x, o: g * o)


def log(x: Any) -> Tensor:
    return _unary(x, xp.log, lambda g, x, o: g / x)


def log1p(x: Any) -> Tensor:
    return _unary(x, xp.log1p, lambda g, x, o: g / (1 + x))


def sqrt(x: Any) -> Tensor:
    return _unary(x, xp.sqrt, lambda g, x, o: g * 0.5 / o)


def square(x: Any) -> Tensor:
    return _unary(x, xp.square, lambda g, x, o: g * 2 * x)


def tanh(x: Any) -> Tensor:
    return _unary(x, xp.tanh, lambda g, x, o: g * (1 - o * o))


def cosh(x: Any) -> Tensor:
    return _unary(x, xp.cosh, lambda g, x, o: g * xp.sinh(x))


def clip(x: Any, low: float, high: float) -> Tensor:
    """Clip to [low, high]; the gradient is zero outside the range (as in Keras)."""
    return _unary(
        x,
        lambda d: xp.clip(d, low, high),
        lambda g, d, o: g * ((d >= low) & (d <= high)),
    )


def cast(x: Any, dtype: Any) -> Tensor:
    x = _wrap(x)
    source = x.data.dtype
    return record(x.data.astype(dtype), (x,), lambda g: (g.astype(source),))


def stop_gradient(x: Any) -> Tensor:
    return Tensor(_wrap(x).data)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    cond = as_array(condition)
    return _binary(
        a,
        b,
        lambda a, b: xp.where(cond, a, b),
        lambda g, a, b, o: xp.where(cond, g, 0),
        lambda g, a, b, o: xp.where(cond, 0, g),
    )


def matmul(a: Any, b: Any) -> Tensor:
    a, b = _wrap(a), _wrap(b)
    a_data, b_data = a.data, b.data
    out = xp.matmul(a_data, b_data)

    def backward(g):
        ga = gb = None
        if a.requires_grad:
            ga = xp.matmul(g, xp.swapaxes(b_data, -1, -2)) if b_data.ndim > 1 else xp.multiply.outer(g, b_data)
            ga = unbroadcast(ga, a_data.shape)
        if b.requires_grad:
            if a_data.ndim == 1:
                gb = xp.multiply.outer(a_data, g)
            else:
                gb = unbroadcast(xp.matmul(xp.swapaxes(a_data, -1, -2), g), b_data.shape)
        return ga, gb

    return record(out, (a, b), backward)


def _normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim for a in axis)


def _expand_reduced(g: Any, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Any:
    if not keepdims:
        for a in sorted(axes):
            g = xp.expand_dims(g, a)
    return xp.broadcast_to(g, shape)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    x = _wrap(x)
    shape = x.data.shape
    axes = _normalize_axis(axis, x.ndim)
    out = xp.sum(x.data, axis=axes, keepdims=keepdims)
    return record(out, (x,), lambda g: (_expand_reduced(g, shape, axes, keepdims),))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _wrap(x)
    shape = x.data.shape
    axes = _normalize_axis(axis, x.ndim)
    count = 1
    for a in axes:
        count *= shape[a]
    out = xp.mean(x.data, axis=axes, keepdims=keepdims)
    return record(out, (x,), lambda g: (_expand_reduced(g / count, shape, axes, keepdims),))


def _extreme(x: Any, axis: Any, keepdims: bool, reducer) -> Tensor:
    x = _wrap(x)
    data = x.data
    axes = _normalize_axis(axis, x.ndim)
    out = reducer(data, axis=axes, keepdims=True)

    def backward(g):
        g = g if keepdims else _expand_reduced_keep(g, axes)
        mask = data == out
        counts = mask.sum(axis=axes, keepdims=True)
        return (mask * (g / counts),)

    result = out if keepdims else xp.squeeze(out, axis=axes)
    return record(result, (x,), backward)


def _expand_reduced_keep(g: Any, axes: tuple[int, ...]) -> Any:
    for a in sorted(axes):
        g = xp.expand_dims(g, a)
    return g


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(x, axis, keepdims, xp.max)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return _extreme(x, axis, keepdims, xp.min)


def logsumexp(x: Any, axis: Any = -1, keepdims: bool = False) -> Tensor:
    x = _wrap(x)
    data = x.data
    axes = _normalize_axis(axis, x.ndim)
    peak = xp.max(data, axis=axes, keepdims=True)
    shifted = xp.exp(data - peak)
    total = xp.sum(shifted, axis=axes, keepdims=True)
    out = xp.log(total) + peak

    def backward(g):
        g = g if keepdims else _expand_reduced_keep(g, axes)
        return (g * shifted / total,)

    return record(out if keepdims else xp.squeeze(out, axis=axes), (x,), backward)


def reshape(x: Any, shape: tuple[int, ...]) -> Tensor:
    x = _wrap(x)
    source = x.data.shape
    return record(x.data.reshape(shape), (x,), lambda g: (g.reshape(source),))


def transpose(x: Any, axes: tuple[int, ...] | None = None) -> Tensor:
    x = _wrap(x)
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    axes = tuple(a % x.ndim for a in axes)
    inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
    return record(xp.transpose(x.data, axes), (x,), lambda g: (xp.transpose(g, inverse),))


def expand_dims(x: Any, axis: int) -> Tensor:
    x = _wrap(x)
    source = x.data.shape
    return record(xp.expand_dims(x.data, axis), (x,), lambda g: (g.reshape(source),))


def squeeze(x: Any, axis: Any = None) -> Tensor:
    x = _wrap(x)
    source = x.data.shape
    return record(xp.squeeze(x.data, axis=axis), (x,), lambda g: (g.reshape(source),))


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Tensor:
    x = _wrap(x)
    source = x.data.shape
    return record(xp.broadcast_to(x.data, shape), (x,), lambda g: (unbroadcast(g, source),))


def tile(x: Any, reps: tuple[int, ...]) -> Tensor:
    x = _wrap(x)
    source = x.data.shape
    out = xp.tile(x.data, reps)

    def backward(g):
        reps_full = (1,) * (g.ndim - len(reps)) + tuple(reps)
        src_full = (1,) * (g.ndim - len(source)) + tuple(source)
        split = []
        for r, n in zip(reps_full, src_full):
            split.extend([r, n])
        summed = g.reshape(split).sum(axis=tuple(range(0, 2 * g.ndim, 2)))
        return (summed.reshape(source),)

    return record(out, (x,), backward)


def repeat(x: Any, repeats: int, axis: int) -> Tensor:
    x = _wrap(x)
    source = x.data.shape
    axis = axis % x.ndim
    out = xp.repeat(x.data, repeats, axis=axis)

    def backward(g):
        shape = source[:axis] + (source[axis], repeats) + source[axis + 1 :]
        return (g.reshape(shape).sum(axis=axis + 1),)

    return record(out, (x,), backward)


def getitem(x: Any, index: Any) -> Tensor:
    x = _wrap(x)
    if isinstance(index, Tensor):
        index = index.data
    shape, dtype = x.data.shape, x.data.dtype

    def backward(g):
        full = xp.zeros(shape, dtype=dtype)
        scatter_add(full, index, g) if _is_advanced(index) else full.__setitem__(index, g)
        return (full,)

    return record(x.data[index], (x,), backward)


def _is_advanced(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(not isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in items)


def concatenate(tensors: list[Any], axis: int = -1) -> Tensor:
    tensors = [_wrap(t) for t in tensors]
    arrays = [t.data for t in tensors]
    out = xp.concatenate(arrays, axis=axis)
    axis_n = axis % out.ndim
    bounds = []
    start = 0
    for a in arrays:
        bounds.append((start, start + a.shape[axis_n]))
        start += a.shape[axis_n]

    def backward(g):
        grads = []
        for t, (lo, hi) in zip(tensors, bounds):
            if not t.requires_grad:
                grads.append(None)
                continue
            index = [slice(None)] * g.ndim
            index[axis_n] = slice(lo, hi)
            grads.append(g[tuple(index)])
        return grads

    return record(out, tuple(tensors), backward)


def stack(tensors: list[Any], axis: int = 0) -> Tensor:
    tensors = [_wrap(t) for t in tensors]
    out = xp.stack([t.data for t in tensors], axis=axis)
    axis_n = axis % out.ndim

    def backward(g):
        return [xp.take(g, i, axis=axis_n) if t.requires_grad else None for i, t in enumerate(tensors)]

    return record(out, tuple(tensors), backward)


def pad(x: Any, pad_width: Any, constant_value: float = 0.0) -> Tensor:
    x = _wrap(x)
    out = xp.pad(x.data, pad_width, mode="constant", constant_values=constant_value)
    slices = tuple(slice(lo, out.shape[i] - hi) for i, (lo, hi) in enumerate(pad_width))
    return record(out, (x,), lambda g: (g[slices],))


def dot(a: Any, b: Any) -> Tensor:
    return matmul(a, b)
