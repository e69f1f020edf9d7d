"""Fused GPU kernels for hot multi-step updates (one launch instead of a dozen); NumPy callers keep their path.

Each function returns False when the arrays are not CuPy arrays, so optimizers call it first
and fall back to their own ``xp`` code. The arithmetic matches that code operation by operation
(the scalar coefficients are rounded to the array dtype first, as NumPy does).
"""

from __future__ import annotations

from typing import Any

_kernels: dict[str, Any] = {}


def _adam_kernel() -> Any:
    kernel = _kernels.get("adam")
    if kernel is None:
        import cupy  # noqa: PLC0415 - CuPy is imported inside engine.backend only

        kernel = cupy.ElementwiseKernel(
            "T g, T alpha, T one_minus_b1, T one_minus_b2, T eps",
            "T p, T m, T v",
            "m += (g - m) * one_minus_b1; v += (g * g - v) * one_minus_b2; p -= (m * alpha) / (sqrt(v) + eps);",
            "strata_adam_update",
        )
        _kernels["adam"] = kernel
    return kernel


def adam_update(gradient: Any, value: Any, m: Any, v: Any, alpha: float, beta_1: float, beta_2: float,
                epsilon: float) -> bool:  # fmt: skip
    """Adam's moment and weight update in one kernel; False (nothing done) off the GPU."""
    if not type(value).__module__.startswith("cupy"):
        return False
    cast = value.dtype.type
    _adam_kernel()(gradient, cast(alpha), cast(1 - beta_1), cast(1 - beta_2), cast(epsilon), value, m, v)
    return True
