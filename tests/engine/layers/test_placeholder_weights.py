"""Placeholder weights: layers built for shapes and counts only, with no weight memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from engine import backend, layers
from engine.layers.placeholders import active, placeholder_weights


def test_layers_built_with_placeholders_report_shapes_and_counts_without_memory():
    tracemalloc.start()
    try:
        with placeholder_weights():
            assert active()
            dense = layers.Dense(4096)
            dense.build((None, 4096))  # 16.8M float32 weights would be 64 MiB
            conv = layers.Conv2D(64, 3)
            conv.build((None, 32, 32, 128))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not active()
    assert dense.count_params() == 4096 * 4096 + 4096
    assert conv.count_params() == 3 * 3 * 128 * 64 + 64
    assert peak < 1 << 20
    assert dense.kernel.data.shape == (4096, 4096) and not np.any(backend.to_numpy(dense.kernel.data[:2, :2]))


def test_placeholders_are_read_only_and_real_weights_return_after_the_scope():
    with placeholder_weights():
        dense = layers.Dense(3)
        dense.build((None, 2))
    if backend.backend() == "numpy":  # CuPy arrays have no read-only flag
        with pytest.raises(ValueError):
            dense.kernel.data[0, 0] = 1.0
    real = layers.Dense(3)
    real.build((None, 2))
    real.kernel.data[0, 0] = 1.0  # owned and writable again
    assert np.any(backend.to_numpy(real.kernel.data))
