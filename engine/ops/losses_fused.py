"""Fused crossentropy ops with hand-written backward passes (the hot path of classifier training).

Each op takes the target as a constant array (no gradient flows to labels) and
the prediction as a tensor, and returns the per-sample loss with the class (or
mean) axis reduced. Forward passes keep the dtype of the prediction (float32
stays float32) and reuse buffers in place; the saved state is never mutated by
a backward pass, so a graph may be differentiated more than once.

Semantics follow Keras:

* from logits, ``-sum(t * log_softmax(x))`` whose gradient is ``softmax * sum(t) - t``;
* from probabilities, ``p / sum(p)`` clipped to ``[eps, 1 - eps]`` then ``-sum(t * log)``,
  with a zero gradient where the clip is active (as ``clip`` has in Keras);
* binary, ``max(x, 0) - x t + log1p(exp(-|x|))`` from logits or the clipped
  ``-(t log p + (1 - t) log(1 - p))`` from probabilities, averaged over ``axis``.
"""

from __future__ import annotations

from typing import Any

from engine.autograd.tape import record
from engine.autograd.tensor import Tensor
from engine.backend import fused, xp
from engine.ops._core import _wrap, unbroadcast
from engine.ops.nn import _sigmoid


def _rowwise_dot(a: Any, b: Any, axis: int) -> Any:
    """``sum(a * b, axis)`` without a temporary for the common 2-D, last-axis case."""
    if a.ndim == 2 and axis == 1:
        return xp.einsum("ij,ij->i", a, b)
    return (a * b).sum(axis=axis)


def _log_sum_exp_from_probs(x: Any, probs: Any, axis: int) -> tuple[Any, Any]:
    """``(x_top, log p_top)`` at each row's largest logit, where ``logsumexp(x) = x_top - log p_top``.

    With ``probs = softmax(x)`` already computed (the model's output), this costs
    one argmax pass instead of the max, subtract, exp and sum passes; ``p_top``
    is at least ``1 / classes``, so its log is accurate.
    """
    if x.ndim == 2 and axis == 1:
        rows, top = xp.arange(x.shape[0]), x.argmax(axis=1)
        return x[rows, top][:, None], xp.log(probs[rows, top])[:, None]
    top = xp.expand_dims(x.argmax(axis=axis), axis)
    x_top = xp.take_along_axis(x, top, axis=axis)
    log_p_top = xp.log(xp.take_along_axis(probs, top, axis=axis))
    return x_top, log_p_top


def softmax_cross_entropy(target: Any, logits: Any, axis: int = -1, probs: Any = None) -> Tensor:
    """Categorical crossentropy of dense (one-hot or smoothed) targets against logits.

    ``probs``, when given, must be ``softmax(logits, axis)`` (the activation's
    output); it is reused for both the forward and the backward pass.
    """
    logits = _wrap(logits)
    x = logits.data
    axis = axis % x.ndim
    t = target
    t_sum = t.sum(axis=axis, keepdims=True)
    if probs is not None:
        x_top, log_p_top = _log_sum_exp_from_probs(x, probs, axis)
        # (x_top - x) . t is formed before adding -log p_top: no cancellation of large logits.
        loss = (t_sum * x_top).squeeze(axis) - _rowwise_dot(t, x, axis)
        loss -= (t_sum * log_p_top).squeeze(axis)
        norm = None
    else:
        shifted = x - x.max(axis=axis, keepdims=True)
        t_dot_shifted = _rowwise_dot(t, shifted, axis)
        probs = xp.exp(shifted, out=shifted)  # reuse the buffer; normalized lazily in backward
        norm = probs.sum(axis=axis, keepdims=True)
        loss = (t_sum * xp.log(norm)).squeeze(axis) - t_dot_shifted

    def backward(g):
        if not logits.requires_grad:
            return (None,)
        g = xp.expand_dims(g, axis)
        scale = g * t_sum if norm is None else g * t_sum / norm
        grad = probs * scale
        grad -= t * g
        return (grad,)

    return record(loss, (logits,), backward)


def sparse_softmax_cross_entropy(labels: Any, logits: Any, probs: Any = None) -> Tensor:
    """Crossentropy of integer labels against logits over the last axis, without a one-hot matrix.

    ``labels`` has the shape of ``logits`` minus its last axis and holds valid
    class indices (the caller checks the range). ``probs``, when given, must be
    ``softmax(logits)`` and is reused.
    """
    logits = _wrap(logits)
    x = logits.data
    classes = x.shape[-1]
    x2 = x.reshape(-1, classes)
    flat = labels.reshape(-1)
    norm = None
    p2 = None if probs is None else probs.reshape(-1, classes)
    loss = None if p2 is None else fused.sparse_ce_from_probs(x2, p2, flat)  # one kernel on the GPU
    fused_path = loss is not None
    if not fused_path and p2 is not None:
        rows = xp.arange(flat.shape[0])
        x_top, log_p_top = _log_sum_exp_from_probs(x2, p2, 1)
        loss = x_top[:, 0] - x2[rows, flat]
        loss -= log_p_top[:, 0]
    elif not fused_path:
        p2 = x2 - x2.max(axis=1, keepdims=True)
        picked = p2[xp.arange(flat.shape[0]), flat]
        xp.exp(p2, out=p2)
        norm = p2.sum(axis=1)
        loss = xp.log(norm)
        loss -= picked

    def backward(g):
        if not logits.requires_grad:
            return (None,)
        g = g.reshape(-1)
        if fused_path and g.dtype == p2.dtype:
            return (fused.sparse_ce_grad(p2, g, flat).reshape(x.shape),)
        grad = p2 * (g if norm is None else g / norm)[:, None]
        grad[xp.arange(flat.shape[0]), flat] -= g
        return (grad.reshape(x.shape),)

    return record(loss.reshape(x.shape[:-1]), (logits,), backward)


def categorical_cross_entropy_probs(target: Any, probs: Any, epsilon: float, axis: int = -1) -> Tensor:
    """Categorical crossentropy from probabilities, renormalized and clipped as Keras does."""
    probs = _wrap(probs)
    p = probs.data
    axis = axis % p.ndim
    t = target
    total = p.sum(axis=axis, keepdims=True)
    q = p / total
    clipped = xp.clip(q, epsilon, 1.0 - epsilon)
    loss = -_rowwise_dot(t, xp.log(clipped), axis)

    def backward(g):
        if not probs.requires_grad:
            return (None,)
        # d loss / d q where the clip is inactive; then through q = p / sum(p).
        dq = t / clipped
        dq *= (q >= epsilon) & (q <= 1.0 - epsilon)
        inner = _rowwise_dot(dq, q, axis)
        scale = xp.expand_dims(g, axis) / total
        grad = dq - xp.expand_dims(inner, axis)
        grad *= -scale
        return (grad,)

    return record(loss, (probs,), backward)


def sparse_cross_entropy_probs(labels: Any, probs: Any, epsilon: float) -> Tensor:
    """Sparse crossentropy from probabilities over the last axis (renormalized and clipped)."""
    probs = _wrap(probs)
    p = probs.data
    classes = p.shape[-1]
    p2 = p.reshape(-1, classes)
    flat = labels.reshape(-1)
    rows = xp.arange(flat.shape[0])
    total = p2.sum(axis=1)
    q = p2[rows, flat] / total
    clipped = xp.clip(q, epsilon, 1.0 - epsilon)
    loss = -xp.log(clipped)

    def backward(g):
        if not probs.requires_grad:
            return (None,)
        # Only the labelled entry of d loss / d q is non-zero: -1 / q there.
        dq = ((q >= epsilon) & (q <= 1.0 - epsilon)) / clipped
        row_scale = g.reshape(-1) * dq / total
        grad = xp.empty_like(p2)
        grad[...] = (row_scale * q)[:, None]
        grad[rows, flat] -= row_scale
        return (grad.reshape(p.shape),)

    return record(loss.reshape(p.shape[:-1]), (probs,), backward)


def sigmoid_cross_entropy(target: Any, logits: Any, axis: int = -1, probs: Any = None) -> Tensor:
    """Binary crossentropy from logits, averaged over ``axis`` (``probs = sigmoid(logits)`` is reused if given)."""
    logits = _wrap(logits)
    x = logits.data
    axis = axis % x.ndim
    t = target
    count = x.shape[axis]
    softplus = xp.abs(x)
    xp.negative(softplus, out=softplus)
    xp.exp(softplus, out=softplus)
    xp.log1p(softplus, out=softplus)
    elementwise = xp.maximum(x, 0)
    elementwise -= x * t
    elementwise += softplus
    loss = elementwise.mean(axis=axis)

    def backward(g):
        if not logits.requires_grad:
            return (None,)
        grad = _sigmoid(x) if probs is None else probs - t
        if probs is None:
            grad -= t
        grad *= xp.expand_dims(g, axis) * (1.0 / count)
        return (grad,)

    return record(loss, (logits,), backward)


def binary_cross_entropy_probs(target: Any, probs: Any, epsilon: float, axis: int = -1) -> Tensor:
    """Binary crossentropy from probabilities clipped to ``[eps, 1 - eps]``, averaged over ``axis``."""
    probs = _wrap(probs)
    p = probs.data
    axis = axis % p.ndim
    t = target
    count = p.shape[axis]
    clipped = xp.clip(p, epsilon, 1.0 - epsilon)
    complement = 1.0 - clipped
    elementwise = t * xp.log(clipped)
    elementwise += (1.0 - t) * xp.log(complement)
    loss = elementwise.mean(axis=axis)
    loss *= -1

    def backward(g):
        if not probs.requires_grad:
            return (None,)
        grad = (1.0 - t) / complement
        grad -= t / clipped
        grad *= (p >= epsilon) & (p <= 1.0 - epsilon)
        grad *= xp.expand_dims(g, axis) * (1.0 / count)
        return (grad,)

    return record(loss, (probs,), backward)


def reduced_elementwise_loss(pred: Any, value: Any, derivative: Any, reduction: str = "mean", axis: int = -1) -> Tensor:
    """A loss ``reduce(value(p), axis)`` whose gradient is ``derivative(p)`` (both array functions).

    The regression losses (mse, mae, huber, ...) are one such op each: a single
    tape node with an exact backward instead of a chain of generic ops.
    ``reduction`` is "mean" or "sum".
    """
    pred = _wrap(pred)
    p = pred.data
    elementwise = value(p)
    axis = axis % elementwise.ndim
    scale = 1.0 / elementwise.shape[axis] if reduction == "mean" else 1.0
    loss = elementwise.mean(axis=axis) if reduction == "mean" else elementwise.sum(axis=axis)

    def backward(g):
        if not pred.requires_grad:
            return (None,)
        grad = derivative(p)
        factor = xp.expand_dims(g, axis) * scale
        if grad.shape == elementwise.shape:
            grad *= factor
        else:
            grad = grad * factor
        return (unbroadcast(grad, p.shape),)

    return record(loss, (pred,), backward)


def cosine_similarity(target_normalized: Any, pred: Any, epsilon: float, axis: int = -1) -> Tensor:
    """``-sum(t_hat * p / max(||p||, eps), axis)`` for an already normalized constant target ``t_hat``.

    The norm is Keras's ``x * min(rsqrt(sum(x**2)), 1/eps)``, written as
    ``rsqrt(max(sum(x**2), eps**2))`` so that zero vectors raise no warning.
    """
    pred = _wrap(pred)
    p = pred.data
    axis = axis % p.ndim
    t = target_normalized
    square_sum = (p * p).sum(axis=axis, keepdims=True)
    floor = epsilon * epsilon
    inv_norm = 1.0 / xp.sqrt(xp.maximum(square_sum, floor))
    t_dot_p = (t * p).sum(axis=axis, keepdims=True)
    loss = -(t_dot_p * inv_norm).squeeze(axis)

    def backward(g):
        if not pred.requires_grad:
            return (None,)
        g = xp.expand_dims(g, axis)
        # d/dp of -t.p * r with r = |p|^-1 (constant where the eps floor is active).
        active = square_sum > floor
        grad = p * (active * t_dot_p * inv_norm**3)
        grad -= t * inv_norm
        grad *= g
        return (grad,)

    return record(loss, (pred,), backward)
