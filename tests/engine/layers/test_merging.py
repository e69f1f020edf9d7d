"""Merging layers: a table of list-input rows, NumPy references and shape errors.

``run_layer_checks`` takes one input, so the rows here go through the same checks
written for a list of inputs: eager shape vs ``compute_output_shape``, symbolic
call on ``Input``s, finite-difference gradients of every input, config round trip.
"""

import json

import numpy as np
import pytest

from engine import backend, layers
from engine.errors import ConfigError, ShapeError
from tests.engine.gradcheck import check_gradients
from tests.engine.host import assert_allclose, assert_array_equal, host


def run_merge_checks(cls, kwargs, shapes, expected):
    backend.set_floatx("float64")
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(s) for s in shapes]
    layer = cls(**kwargs)
    out = layer(xs)
    assert tuple(out.shape) == tuple(expected)
    predicted = layer.compute_output_shape([(None, *s[1:]) for s in shapes])
    assert tuple(predicted) == (None, *expected[1:])
    symbolic = cls(**kwargs)([layers.Input(batch_shape=(None, *s[1:])) for s in shapes])
    assert tuple(symbolic.shape) == (None, *expected[1:])
    check_gradients(lambda variables: layer(list(variables)), [x.copy() for x in xs])
    config = layer.get_config()
    json.dumps(config)
    rebuilt = cls.from_config(config)
    assert_allclose(rebuilt(xs).numpy(), out.numpy(), rtol=1e-12)
    return layer


CASES = [
    (layers.Add, {}, [(2, 3), (2, 3)], (2, 3)),
    (layers.Add, {}, [(2, 3, 4), (2, 3, 4), (2, 3, 4)], (2, 3, 4)),
    (layers.Add, {}, [(2, 3, 4), (2, 1, 4)], (2, 3, 4)),
    (layers.Add, {}, [(2, 3, 4), (2, 4)], (2, 3, 4)),
    (layers.Subtract, {}, [(2, 3), (2, 3)], (2, 3)),
    (layers.Multiply, {}, [(2, 3), (2, 3), (2, 3)], (2, 3)),
    (layers.Multiply, {}, [(2, 3, 2), (2, 3, 1)], (2, 3, 2)),
    (layers.Average, {}, [(2, 3), (2, 3)], (2, 3)),
    (layers.Maximum, {}, [(2, 3), (2, 3), (2, 3)], (2, 3)),
    (layers.Minimum, {}, [(2, 3), (2, 3)], (2, 3)),
    (layers.Concatenate, {}, [(2, 3), (2, 4)], (2, 7)),
    (layers.Concatenate, {"axis": 1}, [(2, 3, 4), (2, 1, 4), (2, 2, 4)], (2, 6, 4)),
    (layers.Dot, {"axes": 1}, [(2, 3), (2, 3)], (2, 1)),
    (layers.Dot, {"axes": -1}, [(2, 3, 4), (2, 5, 4)], (2, 3, 5)),
    (layers.Dot, {"axes": [1, 2]}, [(2, 3, 4), (2, 2, 3)], (2, 4, 2)),
    (layers.Dot, {"axes": 1, "normalize": True}, [(2, 3), (2, 3)], (2, 1)),
    (layers.Dot, {"axes": (2, 1), "normalize": True}, [(2, 3, 4), (2, 4, 2)], (2, 3, 2)),
]


@pytest.mark.parametrize(("cls", "kwargs", "shapes", "expected"), CASES, ids=str)
def test_merging_layer(cls, kwargs, shapes, expected):
    run_merge_checks(cls, kwargs, shapes, expected)


def _inputs(*shapes):
    backend.set_floatx("float64")
    rng = np.random.default_rng(1)
    return [rng.standard_normal(s) for s in shapes]


def test_elementwise_values():
    a, b, c = _inputs((2, 3), (2, 3), (2, 3))
    assert_allclose(layers.Add()([a, b, c]).numpy(), a + b + c)
    assert_allclose(layers.Subtract()([a, b]).numpy(), a - b)
    assert_allclose(layers.Multiply()([a, b, c]).numpy(), a * b * c)
    assert_allclose(layers.Average()([a, b, c]).numpy(), (a + b + c) / 3)
    assert_allclose(layers.Maximum()([a, b, c]).numpy(), np.maximum(np.maximum(a, b), c))
    assert_allclose(layers.Minimum()([a, b, c]).numpy(), np.minimum(np.minimum(a, b), c))
    assert_allclose(layers.Concatenate(axis=0)([a, b]).numpy(), np.concatenate([a, b]))


def test_dot_values():
    x, y = _inputs((2, 3, 4), (2, 5, 4))
    assert_allclose(layers.Dot(axes=2)([x, y]).numpy(), np.einsum("bik,bjk->bij", x, y))
    u, v = _inputs((3, 4), (3, 4))
    cosine = (u * v).sum(1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
    assert_allclose(layers.Dot(axes=1, normalize=True)([u, v]).numpy(), cosine[:, None])


def test_shape_errors_name_layer_and_all_shapes():
    concat = layers.Concatenate(name="concatenate")
    message = (
        "Concatenate layer 'concatenate' requires inputs with matching shapes except for the concatenation "
        "axis -1, received [(None, 3, 4), (None, 5, 4)]"
    )
    with pytest.raises(ShapeError) as info:
        concat([layers.Input(batch_shape=(None, 3, 4)), layers.Input(batch_shape=(None, 5, 4))])
    assert message in str(info.value)
    with pytest.raises(ShapeError, match=r"Add layer 'add(_\d+)?'.*\[\(2, 3\), \(2, 4\)\]"):
        layers.Add()(_inputs((2, 3), (2, 4)))
    with pytest.raises(ShapeError, match="exactly 2 inputs, received 3"):
        layers.Subtract()(_inputs((2, 3), (2, 3), (2, 3)))
    with pytest.raises(ShapeError, match="list of inputs"):
        layers.Add()(_inputs((2, 3))[0])
    with pytest.raises(ShapeError, match=r"Dot layer .* cannot contract axis 1 \(size 3\)"):
        layers.Dot(axes=1)(_inputs((2, 3), (2, 4)))
    with pytest.raises(ShapeError, match="non-batch"):
        layers.Dot(axes=0)(_inputs((2, 3), (2, 3)))
    with pytest.raises(ConfigError, match="axes"):
        layers.Dot(axes="x")


def test_merge_masks_are_combined():
    a, b = _inputs((2, 3, 4), (2, 3, 4))
    mask_a = np.array([[True, True, False], [True, False, False]])
    mask_b = np.array([[True, False, False], [True, True, True]])
    from engine.autograd import as_tensor

    ta, tb = as_tensor(a), as_tensor(b)
    ta._keras_mask, tb._keras_mask = mask_a, mask_b
    assert_array_equal(host(layers.Add()([ta, tb])._keras_mask), mask_a & mask_b)
    assert_array_equal(host(layers.Concatenate()([ta, tb])._keras_mask), mask_a | mask_b)
