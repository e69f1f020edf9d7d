"""One harness every layer goes through (the table tests call it with one row per config).

For a layer class, keyword arguments and an input shape it checks: eager output
shape equals ``compute_output_shape``; a symbolic call on ``Input`` gives the
same shape; gradients of input and weights match finite differences in float64;
``get_config`` is JSON-able and ``from_config`` rebuilds a layer that, given the
same weights, computes the same output.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from engine import backend, layers
from tests.engine.gradcheck import check_layer_gradients


def run_layer_checks(
    layer_cls: type,
    kwargs: dict[str, Any],
    input_shape: tuple[int, ...],
    *,
    expected_output_shape: tuple | None = None,
    training: bool = False,
    check_grads: bool = True,
    input_values: np.ndarray | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> Any:
    backend.set_floatx("float64")
    rng = np.random.default_rng(0)
    x = input_values if input_values is not None else rng.standard_normal(input_shape)
    layer = layer_cls(**kwargs)
    out = layer(x, training=training) if _accepts_training(layer) else layer(x)
    got = tuple(out.shape)
    predicted = tuple(layer.compute_output_shape((None, *input_shape[1:])))
    assert predicted == (None, *got[1:]), f"compute_output_shape {predicted} != actual {got}"
    if expected_output_shape is not None:
        assert got == tuple(expected_output_shape), f"output shape {got} != expected {expected_output_shape}"
    symbolic = layer_cls(**kwargs)(layers.Input(batch_shape=(None, *input_shape[1:])))
    assert tuple(symbolic.shape) == (None, *got[1:])
    if check_grads:
        check_layer_gradients(layer, x, training=training, rtol=rtol, atol=atol)
    config = layer.get_config()
    json.dumps(config)
    rebuilt = layer_cls.from_config(config)
    rebuilt(x)
    rebuilt.set_weights(layer.get_weights())
    if not training:
        np.testing.assert_allclose(rebuilt(x).numpy(), layer(x).numpy(), rtol=1e-12, atol=1e-12)
    return layer


def _accepts_training(layer: Any) -> bool:
    from engine.layers.layer import _call_signature

    return "training" in _call_signature(type(layer))
