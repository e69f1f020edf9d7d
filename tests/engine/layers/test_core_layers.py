"""Table tests for the core layers."""

import pytest

from engine import layers
from tests.engine.host import assert_allclose
from tests.engine.layer_harness import run_layer_checks

CASES = [
    (layers.Dense, {"units": 3}, (4, 5)),
    (layers.Dense, {"units": 2, "activation": "relu"}, (4, 5)),
    (layers.Dense, {"units": 2, "activation": "tanh", "use_bias": False}, (2, 3, 5)),
    (layers.Dense, {"units": 3, "activation": "softmax"}, (4, 5)),
    (layers.Activation, {"activation": "sigmoid"}, (3, 4)),
    (layers.Activation, {"activation": "gelu"}, (3, 4)),
    (layers.Activation, {"activation": "selu"}, (3, 4)),
    (layers.Activation, {"activation": "elu"}, (3, 4)),
    (layers.Activation, {"activation": "softplus"}, (3, 4)),
    (layers.Activation, {"activation": "softsign"}, (3, 4)),
    (layers.Activation, {"activation": "swish"}, (3, 4)),
    (layers.Activation, {"activation": "hard_sigmoid"}, (3, 4)),
    (layers.Activation, {"activation": "exponential"}, (3, 4)),
    (layers.Activation, {"activation": "linear"}, (3, 4)),
    (layers.Dropout, {"rate": 0.5}, (3, 4)),
]


@pytest.mark.parametrize(("cls", "kwargs", "shape"), CASES, ids=str)
def test_core_layer(cls, kwargs, shape):
    run_layer_checks(cls, kwargs, shape)


def test_dropout_training_mode_gradient():
    from engine.backend import random as engine_random

    engine_random.seed(3)
    # the dropout mask is redrawn per call, so check the analytic gradient on a fixed mask instead
    import numpy as np

    from engine import ops
    from engine.autograd import Variable, gradients

    x = Variable(np.ones((4, 5)))
    x.requires_grad = True
    y = ops.dropout(x, 0.5)
    (g,) = gradients(y.sum(), [x])
    assert_allclose(g, y.data)
