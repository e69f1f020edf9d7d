"""Central finite differences against the tape's gradients, in float64."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.autograd import Tensor, Variable, gradients
from engine.backend import to_numpy, xp


def numeric_gradient(fn: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d fn() / d array by central differences, perturbing ``array`` in place."""
    grad = np.zeros(array.shape, dtype=np.float64)
    flat = array.reshape(-1)
    out = grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i].item()  # a copy (a CuPy element would be a view)
        flat[i] = original + eps
        plus = fn()
        flat[i] = original - eps
        minus = fn()
        flat[i] = original
        out[i] = (plus - minus) / (2 * eps)
    return grad


def check_gradients(
    forward: Callable[[list[Tensor]], Tensor],
    arrays: list[np.ndarray],
    rtol: float = 1e-5,
    atol: float = 1e-6,
    seed: int = 0,
) -> None:
    """Assert that the tape's gradients of ``sum(forward(inputs) * R)`` match finite differences.

    ``R`` is a fixed random projection so that every output element matters.
    ``arrays`` must be float64; they are wrapped as variables requiring grad.
    """
    variables = [Variable(a) for a in arrays]
    for v in variables:
        v.requires_grad = True
    out = forward(variables)
    projection = xp.asarray(np.random.default_rng(seed).standard_normal(out.shape))
    loss = (out * projection).sum()
    analytic = gradients(loss, variables)

    def value() -> float:
        return float(xp.sum(forward(variables).data * projection))

    for index, (variable, grad) in enumerate(zip(variables, analytic)):
        expected = to_numpy(numeric_gradient(value, variable.data))
        actual = np.zeros_like(expected) if grad is None else to_numpy(grad)
        np.testing.assert_allclose(
            actual, expected, rtol=rtol, atol=atol, err_msg=f"gradient of input {index} (shape {variable.shape})"
        )


def check_layer_gradients(
    layer: Any, x: np.ndarray, training: bool = False, seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6
) -> None:
    """Check a built layer's gradients with respect to its input and each weight (float64)."""
    rng = np.random.default_rng(seed)
    inp = Variable(np.array(x, dtype=np.float64))
    inp.requires_grad = True
    targets = [inp, *layer.weights]
    for w in layer.weights:
        w.requires_grad = True
    try:
        out = layer._call_eager(inp, training=training)
        projection = xp.asarray(rng.standard_normal(out.shape))
        analytic = gradients((out * projection).sum(), targets)

        def value() -> float:
            return float(xp.sum(layer._call_eager(inp, training=training).data * projection))

        for target, grad in zip(targets, analytic):
            expected = to_numpy(numeric_gradient(value, target.data))
            actual = np.zeros_like(expected) if grad is None else to_numpy(grad)
            name = "input" if target is inp else target.path
            np.testing.assert_allclose(
                actual, expected, rtol=rtol, atol=atol, err_msg=f"layer '{layer.name}': gradient of {name}"
            )
    finally:
        for w in layer.weights:
            w.requires_grad = False
