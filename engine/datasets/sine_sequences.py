"""Noisy multi-channel sine waves cut into consecutive chunks: data for stateful recurrent models."""

from __future__ import annotations

import numpy  # host-side data generation


def load_sine_sequences(
    streams: int = 32,
    chunks: int = 20,
    timesteps: int = 10,
    features: int = 16,
    classes: int = 10,
    noise: float = 0.3,
    seed: int = 0,
) -> tuple:
    """``(x, y)`` of shape (streams * chunks, timesteps, features) and (streams * chunks,), deterministic.

    Each of ``streams`` long signals has a class (its frequency) and is cut into ``chunks`` pieces of
    ``timesteps`` steps. Rows are ordered for a stateful model with ``batch_size == streams``: batch
    ``b`` holds piece ``b`` of every stream, so row ``i`` of one batch continues row ``i`` of the
    previous one. Train it with ``shuffle=False`` and that batch size.
    """
    rng = numpy.random.default_rng(seed)
    labels = numpy.arange(streams) % classes
    rng.shuffle(labels)
    frequency = 0.15 + 0.08 * labels  # radians per step, one per class
    phase = rng.uniform(0, 2 * numpy.pi, size=(streams, features))
    steps = numpy.arange(chunks * timesteps)
    signal = numpy.sin(frequency[:, None, None] * steps[None, :, None] + phase[:, None, :])
    signal += rng.normal(0.0, noise, size=signal.shape)
    pieces = signal.reshape(streams, chunks, timesteps, features).transpose(1, 0, 2, 3)
    x = pieces.reshape(chunks * streams, timesteps, features).astype("float32")
    y = numpy.tile(labels, chunks).astype("int64")
    return x, y
