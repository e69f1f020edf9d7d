"""Two interleaved spirals: the classic 2-D classification set a linear model cannot separate."""

from __future__ import annotations

import numpy  # host-side data generation


def load_spirals(samples: int = 1000, noise: float = 0.15, turns: float = 1.75, seed: int = 0) -> tuple:
    """``(x, y)``: ``x`` float32 of shape (samples, 2), ``y`` int64 labels 0/1, in a fixed shuffled order.

    The same arguments always give the same arrays (generated, never downloaded). The order is
    shuffled once so that ``validation_split`` (which takes the last rows) sees both classes.
    """
    rng = numpy.random.default_rng(seed)
    half = samples // 2
    t = numpy.sqrt(rng.uniform(0.0, 1.0, size=half)) * turns * 2 * numpy.pi
    arm = numpy.stack([t * numpy.cos(t), t * numpy.sin(t)], axis=1) / (turns * 2 * numpy.pi)
    points = numpy.concatenate([arm, -arm[: samples - half]], axis=0)
    points += rng.normal(0.0, noise / (turns * 2), size=points.shape)
    labels = numpy.concatenate([numpy.zeros(half), numpy.ones(samples - half)]).astype("int64")
    order = rng.permutation(samples)
    return points[order].astype("float32"), labels[order]
