"""The optimizers on the CuPy backend give the NumPy backend's results (skipped without a usable GPU)."""

from __future__ import annotations

import numpy as np
import pytest

from engine import backend, optimizers
from engine.autograd import Variable

pytestmark = pytest.mark.gpu

CONFIGS = [
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adamw", {"learning_rate": 0.01, "clipnorm": 0.5}),
    ("adagrad", {"learning_rate": 0.1, "global_clipnorm": 1.0}),
    ("adadelta", {"learning_rate": 1.0, "clipvalue": 0.3}),
    ("adamax", {"learning_rate": 0.02, "use_ema": True}),
    ("nadam", {"learning_rate": 0.01, "gradient_accumulation_steps": 2}),
]


@pytest.fixture
def cupy_backend():
    try:
        backend.set_backend("cupy")
    except Exception:  # no CuPy or no GPU: nothing to check here
        pytest.skip("CuPy with a usable GPU is not available")
    yield
    backend.set_backend("numpy")


def _train(name, kwargs, module):
    rng = np.random.default_rng(0)
    shapes = [(7, 5), (5,)]
    variables = [Variable(module.asarray(rng.normal(size=s).astype(np.float32)), name=f"v{i}")
                 for i, s in enumerate(shapes)]  # fmt: skip
    opt = optimizers.get({"class_name": name, "config": kwargs})
    for _ in range(6):
        grads = [module.asarray(rng.normal(size=s).astype(np.float32)) for s in shapes]
        opt.apply_gradients(zip(grads, variables, strict=True))
    state = [backend.to_numpy(a) for _, a in opt.variables()]
    return [backend.to_numpy(v.data) for v in variables], state, opt, variables


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_cupy_matches_numpy(cupy_backend, name, kwargs):
    import cupy

    gpu_weights, gpu_state, opt, variables = _train(name, kwargs, cupy)
    assert all(isinstance(v.data, cupy.ndarray) for v in variables)
    backend.set_backend("numpy")
    cpu_weights, cpu_state, _, _ = _train(name, kwargs, np)
    backend.set_backend("cupy")
    for got, want in zip(gpu_weights + gpu_state, cpu_weights + cpu_state, strict=True):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    # state loads back from host arrays
    opt.set_variable_values(cpu_state)
    assert all(isinstance(a, cupy.ndarray) for _, a in opt.variables()[2:])
