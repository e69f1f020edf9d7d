"""Cases shared by the fused-kernel tests (CPU and GPU): geometries that stress the index arithmetic."""

from __future__ import annotations

CONV_CASES = [
    dict(kernel=(3, 3), strides=1, padding="valid", dilation_rate=1),
    dict(kernel=(3, 3), strides=2, padding="same", dilation_rate=1),
    dict(kernel=(2, 4), strides=(2, 1), padding="same", dilation_rate=1),
    dict(kernel=(3, 3), strides=1, padding="same", dilation_rate=2),
    dict(kernel=(3, 2), strides=(1, 3), padding=((2, 0), (1, 3)), dilation_rate=1),
    dict(kernel=(5, 5), strides=3, padding="valid", dilation_rate=1),
]


def conv_case_id(case: dict) -> str:
    return f"{case['kernel']}-{case['strides']}-{case['padding']}"


# How close a kernel's result must be to the NumPy path's when the summation order may differ.
TOLERANCES = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=2e-5, atol=2e-5)}
