"""Fused normalization ops (batch and layer norm) with hand-written backward passes.

Both normalize ``x`` over ``stat_axes`` and then apply a per-feature scale
``gamma`` and offset ``beta``. Parameters are passed in their stored shape
(e.g. ``(C,)``) together with ``param_axes``, the input axes they run along;
they are broadcast internally and their gradients come back in stored shape.
The backward pass is the closed form
``dx = inv * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))``, one sweep
instead of the dozen small ops a composed version records.
"""

from __future__ import annotations

from typing import Any

from engine.autograd.tape import record
from engine.autograd.tensor import Tensor
from engine.backend import xp
from engine.ops._core import _wrap


def _broadcast_shape(ndim: int, shape: tuple[int, ...], param_axes: tuple[int, ...]) -> tuple[int, ...]:
    out = [1] * ndim
    for axis in param_axes:
        out[axis] = shape[axis]
    return tuple(out)


def _complement(ndim: int, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a for a in range(ndim) if a not in axes)


def _normalize_axes(axes: Any, ndim: int) -> tuple[int, ...]:
    if isinstance(axes, int):
        axes = (axes,)
    return tuple(sorted(a % ndim for a in axes))


def _param(value: Any, bshape: tuple[int, ...]) -> tuple[Tensor | None, Any]:
    if value is None:
        return None, None
    tensor = _wrap(value)
    return tensor, tensor.data.reshape(bshape)


def _affine_normalized(
    x: Tensor,
    xhat: Any,
    inv: Any,
    gamma: Any,
    beta: Any,
    stat_axes: tuple[int, ...],
    param_axes: tuple[int, ...],
) -> Tensor:
    """``xhat * gamma + beta`` recorded with the full normalization backward."""
    ndim = x.data.ndim
    bshape = _broadcast_shape(ndim, x.data.shape, param_axes)
    gamma_t, gamma_b = _param(gamma, bshape)
    beta_t, beta_b = _param(beta, bshape)
    out = xhat * gamma_b if gamma_t is not None else xhat.copy()
    if beta_t is not None:
        out += beta_b
    param_reduce = _complement(ndim, param_axes)
    count = 1
    for axis in stat_axes:
        count *= x.data.shape[axis]
    parents = tuple(t for t in (x, gamma_t, beta_t) if t is not None)

    def backward(g):
        grads = []
        if x.requires_grad:
            dxhat = g * gamma_b if gamma_t is not None else g
            mean_d = dxhat.sum(axis=stat_axes, keepdims=True)
            mean_d *= 1.0 / count
            mean_dx = (dxhat * xhat).sum(axis=stat_axes, keepdims=True)
            mean_dx *= 1.0 / count
            dx = dxhat - mean_d
            dx -= xhat * mean_dx
            dx *= inv
            grads.append(dx)
        else:
            grads.append(None)
        if gamma_t is not None:
            grads.append(
                (g * xhat).sum(axis=param_reduce).reshape(gamma_t.data.shape) if gamma_t.requires_grad else None
            )
        if beta_t is not None:
            grads.append(g.sum(axis=param_reduce).reshape(beta_t.data.shape) if beta_t.requires_grad else None)
        return grads

    return record(out, parents, backward)


def _standardize(data: Any, stat_axes: tuple[int, ...], epsilon: float) -> tuple[Any, Any, Any, Any]:
    """Mean, biased variance, ``1/sqrt(var + eps)`` and the normalized input."""
    mean = data.mean(axis=stat_axes, keepdims=True)
    xhat = data - mean
    variance = xp.square(xhat).mean(axis=stat_axes, keepdims=True)
    inv = variance + epsilon
    xp.sqrt(inv, out=inv)
    xp.reciprocal(inv, out=inv)
    xhat *= inv
    return mean, variance, inv, xhat


def batch_norm_training(x: Any, gamma: Any, beta: Any, axis: Any, epsilon: float = 1e-3) -> tuple[Tensor, Any, Any]:
    """Batch normalization with the batch's own statistics (training mode).

    ``axis`` is the feature axis (or axes); statistics run over all others.
    Returns the output and the batch mean and biased variance (arrays in the
    parameters' stored shape) for the caller's moving-average update.
    """
    x = _wrap(x)
    ndim = x.data.ndim
    param_axes = _normalize_axes(axis, ndim)
    stat_axes = _complement(ndim, param_axes)
    mean, variance, inv, xhat = _standardize(x.data, stat_axes, epsilon)
    out = _affine_normalized(x, xhat, inv, gamma, beta, stat_axes, param_axes)
    stored = tuple(x.data.shape[a] for a in param_axes)
    return out, mean.reshape(stored), variance.reshape(stored)


def batch_norm_inference(
    x: Any, mean: Any, variance: Any, gamma: Any, beta: Any, axis: Any, epsilon: float = 1e-3
) -> Tensor:
    """Batch normalization with fixed statistics: ``x * scale + shift`` per feature.

    Gradients flow to the input, ``gamma`` and ``beta`` (and, for completeness,
    to ``mean`` and ``variance``, which are usually non-trainable).
    """
    x = _wrap(x)
    data = x.data
    ndim = data.ndim
    param_axes = _normalize_axes(axis, ndim)
    bshape = _broadcast_shape(ndim, data.shape, param_axes)
    reduce_axes = _complement(ndim, param_axes)
    mean_t, mean_b = _param(mean, bshape)
    var_t, var_b = _param(variance, bshape)
    gamma_t, gamma_b = _param(gamma, bshape)
    beta_t, beta_b = _param(beta, bshape)
    inv = var_b + epsilon
    xp.sqrt(inv, out=inv)
    xp.reciprocal(inv, out=inv)
    scale = inv * gamma_b if gamma_t is not None else inv
    shift = -mean_b * scale
    if beta_t is not None:
        shift += beta_b
    out = data * scale
    out += shift
    parents = tuple(t for t in (x, mean_t, var_t, gamma_t, beta_t) if t is not None)

    def _stored(array: Any, like: Tensor) -> Any:
        return array.sum(axis=reduce_axes).reshape(like.data.shape)

    def backward(g):
        grads = [g * scale if x.requires_grad else None]
        need_centered = var_t.requires_grad or (gamma_t is not None and gamma_t.requires_grad)
        g_centered = g * (data - mean_b) if need_centered else None
        grads.append(_stored(-g * scale, mean_t) if mean_t.requires_grad else None)
        if var_t.requires_grad:
            factor = -0.5 * inv * inv * scale
            grads.append(_stored(g_centered * factor, var_t))
        else:
            grads.append(None)
        if gamma_t is not None:
            grads.append(_stored(g_centered * inv, gamma_t) if gamma_t.requires_grad else None)
        if beta_t is not None:
            grads.append(_stored(g, beta_t) if beta_t.requires_grad else None)
        return grads

    return record(out, parents, backward)


def layer_norm(x: Any, gamma: Any, beta: Any, axis: Any = -1, epsilon: float = 1e-3) -> Tensor:
    """Layer normalization: statistics and parameters both run along ``axis`` (per sample)."""
    x = _wrap(x)
    axes = _normalize_axes(axis, x.data.ndim)
    _, _, inv, xhat = _standardize(x.data, axes, epsilon)
    return _affine_normalized(x, xhat, inv, gamma, beta, axes, axes)
