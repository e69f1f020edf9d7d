"""Element-wise activation ops beyond the fused basics in ``nn.py``."""

from __future__ import annotations

import math
from typing import Any

from engine.autograd.tape import record
from engine.autograd.tensor import Tensor
from engine.backend import xp
from engine.ops._core import _wrap
from engine.ops.nn import _sigmoid

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elementwise(x: Any, forward, derivative) -> Tensor:
    """An op from ``forward(data)`` and ``derivative(data, out)`` (both array functions)."""
    x = _wrap(x)
    data = x.data
    out = forward(data)
    return record(out, (x,), lambda g: (g * derivative(data, out),))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    return _elementwise(
        x,
        lambda d: xp.where(d > 0, d, d * negative_slope),
        lambda d, o: xp.where(d > 0, 1.0, negative_slope).astype(d.dtype),
    )


def relu_capped(x: Any, max_value: float | None = None, threshold: float = 0.0, negative_slope: float = 0.0) -> Tensor:
    """Keras's general ``relu(x, negative_slope, max_value, threshold)``."""

    def forward(d):
        out = xp.where(d >= threshold if threshold else d > 0, d, negative_slope * (d - threshold))
        return xp.minimum(out, max_value) if max_value is not None else out

    def derivative(d, o):
        above = d >= threshold if threshold else d > 0
        grad = xp.where(above, 1.0, negative_slope).astype(d.dtype)
        if max_value is not None:
            grad = grad * (d < max_value)
        return grad

    return _elementwise(x, forward, derivative)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    return _elementwise(
        x,
        lambda d: xp.where(d > 0, d, alpha * xp.expm1(xp.minimum(d, 0))),
        lambda d, o: xp.where(d > 0, 1.0, o + alpha).astype(d.dtype),
    )


def selu(x: Any) -> Tensor:
    a, s = _SELU_ALPHA, _SELU_SCALE
    return _elementwise(
        x,
        lambda d: s * xp.where(d > 0, d, a * xp.expm1(xp.minimum(d, 0))),
        lambda d, o: xp.where(d > 0, s, o + s * a).astype(d.dtype),
    )


def softplus(x: Any) -> Tensor:
    return _elementwise(
        x,
        lambda d: xp.logaddexp(d, 0).astype(d.dtype),
        lambda d, o: _sigmoid(d),
    )


def softsign(x: Any) -> Tensor:
    return _elementwise(x, lambda d: d / (1 + xp.abs(d)), lambda d, o: 1 / (1 + xp.abs(d)) ** 2)


def swish(x: Any) -> Tensor:
    def derivative(d, o):
        s = _sigmoid(d)
        return s * (1 + d * (1 - s))

    return _elementwise(x, lambda d: d * _sigmoid(d), derivative)


def hard_sigmoid(x: Any) -> Tensor:
    """Keras 3's hard sigmoid: relu6(x + 3) / 6."""
    return _elementwise(
        x,
        lambda d: xp.clip(d / 6.0 + 0.5, 0.0, 1.0),
        lambda d, o: ((d > -3) & (d < 3)).astype(d.dtype) / 6.0,
    )


def exponential(x: Any) -> Tensor:
    return _elementwise(x, xp.exp, lambda d, o: o)


def erf_array(d: Any) -> Any:
    """erf with a fractional error below 1.2e-7 (a Chebyshev fit of erfc); NumPy has no erf."""
    z = xp.abs(d)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (
        1.00002368
        + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (
            -1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))  # fmt: skip
    erfc = t * xp.exp(poly)
    return xp.where(d >= 0, 1 - erfc, erfc - 1)


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit; exact (erf) form by default, as in Keras."""
    if approximate:
        c = math.sqrt(2 / math.pi)

        def forward(d):
            return 0.5 * d * (1 + xp.tanh(c * (d + 0.044715 * d**3)))

        def derivative(d, o):
            inner = c * (d + 0.044715 * d**3)
            th = xp.tanh(inner)
            return 0.5 * (1 + th) + 0.5 * d * (1 - th * th) * c * (1 + 3 * 0.044715 * d * d)

        return _elementwise(x, forward, derivative)

    def forward_exact(d):
        return (0.5 * d * (1 + erf_array(d / math.sqrt(2)))).astype(d.dtype)

    def derivative_exact(d, o):
        cdf = 0.5 * (1 + erf_array(d / math.sqrt(2)))
        pdf = xp.exp(-0.5 * d * d) / math.sqrt(2 * math.pi)
        return (cdf + d * pdf).astype(d.dtype)

    return _elementwise(x, forward_exact, derivative_exact)
