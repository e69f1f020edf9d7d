"""Batches reach the GPU through pinned staging buffers: same values, no copy overwritten in flight."""

from __future__ import annotations

import numpy as np

from engine.backend import staging


def test_many_uploads_in_a_row_each_arrive_intact(cupy_backend):
    rng = np.random.default_rng(0)
    hosts = [rng.standard_normal((512, 300 + i)) for i in range(3 * staging._RING_SIZE)]  # float64, 1.2+ MB each
    devices = [staging.upload(cupy_backend, h, "float32") for h in hosts]  # no sync between them
    for host, device in zip(hosts, devices, strict=True):
        assert device.dtype == np.float32
        np.testing.assert_array_equal(device.get(), host.astype("float32"))


def test_non_contiguous_integer_and_small_arrays(cupy_backend):
    rng = np.random.default_rng(1)
    wide = rng.integers(0, 10, size=(400, 300))
    np.testing.assert_array_equal(staging.upload(cupy_backend, wide.T).get(), wide.T)
    small = np.arange(10)
    assert staging.upload(cupy_backend, small).get().tolist() == list(range(10))
    assert staging.upload(np, small) is not None  # the NumPy backend passes straight through
