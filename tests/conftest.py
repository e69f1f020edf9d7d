"""Test-wide fixtures: an isolated Strata home, fresh layer names, a fixed seed."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("STRATA_HOME", tempfile.mkdtemp(prefix="strata-test-home-"))


@pytest.fixture(autouse=True)
def _fresh_engine_state():
    from engine import backend
    from engine.backend import random as engine_random
    from engine.layers import naming

    naming.reset_names()
    engine_random.seed(1234)
    floatx, eps, fmt = backend.floatx(), backend.epsilon(), backend.image_data_format()
    array_backend = backend.backend()
    yield
    if backend.backend() != array_backend:  # a test that switched numpy/cupy must not leak it (GPU runs)
        backend.set_backend(array_backend)
    backend.set_floatx(floatx)
    backend.set_epsilon(eps)
    backend.set_image_data_format(fmt)
