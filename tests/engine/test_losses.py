"""Losses against float64 NumPy references of Keras's formulas, gradients, fused logits paths, configs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import activations, losses, ops
from engine.autograd import Tensor, Variable, gradients
from engine.errors import ConfigError, DataError
from engine.losses.classes import LOSS_CLASSES
from tests.engine.gradcheck import check_gradients
from tests.engine.host import assert_allclose, host

EPS = 1e-7


# -- float64 references, written from Keras's definitions ------------------------------------
def _ref_cce(t, p, axis=-1):
    t, p = host(t), host(p)  # the references run on the host, whatever the backend
    q = np.clip(p / p.sum(axis=axis, keepdims=True), EPS, 1 - EPS)
    return -(t * np.log(q)).sum(axis=axis)


def _ref_bce(t, p):
    t, p = host(t), host(p)
    c = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(c) + (1 - t) * np.log(1 - c)).mean(axis=-1)


def _ref_cos(t, p):
    def unit(x):
        return x / np.sqrt(np.maximum((x * x).sum(-1, keepdims=True), EPS * EPS))

    return -(unit(t) * unit(p)).sum(-1)


def _one_hot(labels, classes):
    return np.eye(classes)[labels]


REFERENCES = {
    "mean_squared_error": lambda t, p: ((t - p) ** 2).mean(-1),
    "mean_absolute_error": lambda t, p: np.abs(t - p).mean(-1),
    "mean_absolute_percentage_error": lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
    "mean_squared_logarithmic_error": lambda t, p: (
        (np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2
    ).mean(-1),
    "huber": lambda t, p: np.where(np.abs(p - t) <= 1.0, 0.5 * (p - t) ** 2, np.abs(p - t) - 0.5).mean(-1),
    "log_cosh": lambda t, p: np.log(np.cosh(p - t)).mean(-1),
    "categorical_crossentropy": _ref_cce,
    "binary_crossentropy": _ref_bce,
    "kl_divergence": lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
    "poisson": lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    "cosine_similarity": _ref_cos,
    "hinge": lambda t, p: np.maximum(1 - t * p, 0).mean(-1),
    "squared_hinge": lambda t, p: (np.maximum(1 - t * p, 0) ** 2).mean(-1),
    "categorical_hinge": lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0),
}


def _inputs(name, rng, shape=(5, 4)):
    """Targets and predictions in each loss's domain, away from clips and kinks."""
    if name in ("categorical_crossentropy", "kl_divergence", "categorical_hinge"):
        t = _one_hot(rng.integers(0, shape[-1], shape[:-1]), shape[-1])
        if name == "kl_divergence":
            t = rng.uniform(0.1, 1.0, shape)
            t /= t.sum(-1, keepdims=True)
        p = rng.uniform(0.1, 1.0, shape)
        return t, p / p.sum(-1, keepdims=True)
    if name == "binary_crossentropy":
        return rng.integers(0, 2, shape).astype(float), rng.uniform(0.05, 0.95, shape)
    if name in ("hinge", "squared_hinge"):
        return rng.choice([-1.0, 1.0], shape), rng.uniform(-2, 2, shape)
    if name in ("poisson", "mean_squared_logarithmic_error"):
        return rng.uniform(0.0, 3.0, shape), rng.uniform(0.2, 3.0, shape)
    if name == "mean_absolute_percentage_error":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1, 1], shape), rng.normal(size=shape)
    return rng.normal(size=shape), rng.normal(size=shape) * 1.5


NAMES = sorted(REFERENCES)


@pytest.mark.parametrize("name", NAMES)
def test_loss_function_matches_numpy_reference(name):
    rng = np.random.default_rng(0)
    t, p = _inputs(name, rng)
    fn = losses.get(name)
    out = fn(t, Tensor(p))
    assert out.shape == (5,)
    assert_allclose(out.data, REFERENCES[name](t, p), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_loss_class_weighted_reduction(name):
    rng = np.random.default_rng(1)
    t, p = _inputs(name, rng)
    weights = rng.uniform(0, 2, 5)
    loss_obj = losses.get({"mean_squared_error": "MeanSquaredError"}.get(name, name))
    loss_obj = losses.as_loss(loss_obj)
    expected = (REFERENCES[name](t, p) * weights).sum() / 5
    assert_allclose(float(loss_obj(t, Tensor(p), sample_weight=weights)), expected, rtol=1e-10)
    assert_allclose(float(loss_obj(t, Tensor(p))), REFERENCES[name](t, p).mean(), rtol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_loss_gradients(name):
    rng = np.random.default_rng(2)
    t, p = _inputs(name, rng, shape=(3, 4))
    fn = losses.get(name)
    check_gradients(lambda v: fn(t, v[0]), [p])


def test_time_distributed_losses_and_weights():
    rng = np.random.default_rng(3)
    t, p = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    per_step = losses.mean_squared_error(t, Tensor(p))
    assert per_step.shape == (2, 3)
    weights = np.array([1.0, 3.0])
    value = losses.MeanSquaredError()(t, Tensor(p), sample_weight=weights)
    expected = (((t - p) ** 2).mean(-1) * weights[:, None]).sum() / 6
    assert_allclose(float(value), expected, rtol=1e-12)


def test_rank_alignment_of_targets():
    t = np.array([1.0, 2.0, 3.0])
    p = np.array([[1.5], [2.0], [2.0]])
    assert_allclose(losses.mse(t, Tensor(p)).data, [0.25, 0.0, 1.0])
    assert_allclose(float(losses.MeanSquaredError()(t, Tensor(p), sample_weight=t[:, None])), 3.25 / 3)


@pytest.mark.parametrize(
    ("reduction", "expected"),
    [("sum", lambda v, w: (v * w).sum()), ("none", lambda v, w: v * w), (None, lambda v, w: v * w),
     ("mean_with_sample_weight", lambda v, w: (v * w).sum() / w.sum()), ("auto", lambda v, w: (v * w).mean())],
)  # fmt: skip
def test_reductions(reduction, expected):
    rng = np.random.default_rng(4)
    t, p, w = rng.normal(size=(4, 2)), rng.normal(size=(4, 2)), rng.uniform(size=4)
    out = losses.MeanAbsoluteError(reduction=reduction)(t, Tensor(p), sample_weight=w)
    assert_allclose(out.data, expected(np.abs(t - p).mean(-1), w), rtol=1e-12)


def test_label_smoothing():
    rng = np.random.default_rng(5)
    t = _one_hot(rng.integers(0, 3, 4), 3)
    p = rng.uniform(0.1, 1, (4, 3))
    p /= p.sum(-1, keepdims=True)
    value = losses.categorical_crossentropy(t, Tensor(p), label_smoothing=0.2)
    assert_allclose(value.data, _ref_cce(t * 0.8 + 0.2 / 3, p), rtol=1e-12)
    b = rng.integers(0, 2, (4, 3)).astype(float)
    value = losses.binary_crossentropy(b, Tensor(p), label_smoothing=0.2)
    assert_allclose(value.data, _ref_bce(b * 0.8 + 0.1, p), rtol=1e-12)


def test_crossentropy_clips_probabilities_like_keras():
    t = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    p = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    assert_allclose(losses.categorical_crossentropy(t, Tensor(p)).data, [0.051293, 2.302585], rtol=1e-5)
    assert_allclose(float(losses.CategoricalCrossentropy()(t, Tensor(p))), 1.176939, rtol=1e-5)
    unnormalized = losses.categorical_crossentropy(t, Tensor(p * 3.0))
    assert_allclose(unnormalized.data, [0.051293, 2.302585], rtol=1e-5)
    hard = losses.binary_crossentropy(np.array([[1.0, 0.0]]), Tensor(np.array([[0.0, 1.0]])))
    assert_allclose(hard.data, [-np.log(EPS)], rtol=1e-6)


def test_sparse_crossentropy_matches_categorical():
    rng = np.random.default_rng(6)
    labels = rng.integers(0, 4, (3, 2))
    p = rng.uniform(0.1, 1, (3, 2, 4))
    sparse = losses.sparse_categorical_crossentropy(labels, Tensor(p))
    dense = losses.categorical_crossentropy(_one_hot(labels, 4), Tensor(p))
    assert_allclose(sparse.data, dense.data, rtol=1e-12)
    with_trailing_one = losses.sparse_categorical_crossentropy(labels[..., None].astype(float), Tensor(p))
    assert_allclose(with_trailing_one.data, dense.data, rtol=1e-12)
    check_gradients(lambda v: losses.sparse_categorical_crossentropy(labels, v[0]), [p])
    check_gradients(lambda v: losses.sparse_categorical_crossentropy(labels, v[0], from_logits=True), [p])


def test_sparse_crossentropy_ignore_class_averages_valid_entries():
    rng = np.random.default_rng(7)
    labels = np.array([0, 2, -1, 1, -1])
    p = rng.uniform(0.1, 1, (5, 3))
    p /= p.sum(-1, keepdims=True)
    per_sample = losses.sparse_categorical_crossentropy(labels, Tensor(p), ignore_class=-1)
    valid = labels != -1
    expected = np.where(valid, -np.log(p[np.arange(5), np.where(valid, labels, 0)]), 0.0)
    assert_allclose(per_sample.data, expected, rtol=1e-12)
    value = losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, Tensor(p))
    assert_allclose(float(value), expected.sum() / valid.sum(), rtol=1e-6)
    check_gradients(lambda v: losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, v[0]), [p])


def test_sparse_labels_out_of_range_raise():
    with pytest.raises(DataError, match="labels in \\[0, 2\\]"):
        losses.sparse_categorical_crossentropy(np.array([0, 3]), Tensor(np.full((2, 3), 1 / 3)))


def test_mask_on_predictions_restricts_the_mean():
    t, p = np.zeros((2, 3, 1)), np.ones((2, 3, 1))
    p[0, 0] = 3.0
    pred = Tensor(p)
    pred._keras_mask = np.array([[True, False, True], [True, True, False]])
    # Valid squared errors: 9, 1, 1, 1 -> mean 3 over the four valid steps.
    assert_allclose(float(losses.MeanSquaredError()(t, pred)), 3.0)


def _grad(loss_fn, x):
    var = Variable(x.copy())
    var.requires_grad = True
    value = loss_fn(var)
    return value.data, gradients(value.sum() if value.ndim else value, [var])[0]


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_logits_path_matches_probability_path(smoothing):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(6, 5))
    t = _one_hot(rng.integers(0, 5, 6), 5)
    fused_value, fused_grad = _grad(
        lambda v: losses.categorical_crossentropy(t, activations.softmax(v), label_smoothing=smoothing), x
    )
    plain_value, plain_grad = _grad(
        lambda v: losses.categorical_crossentropy(t, ops.softmax(v), label_smoothing=smoothing), x
    )
    logits_value, logits_grad = _grad(
        lambda v: losses.categorical_crossentropy(t, v, from_logits=True, label_smoothing=smoothing), x
    )
    assert_allclose(fused_value, plain_value, rtol=1e-10)
    assert_allclose(fused_grad, plain_grad, rtol=1e-8, atol=1e-12)
    assert_allclose(logits_value, plain_value, rtol=1e-10)
    assert_allclose(logits_grad, plain_grad, rtol=1e-8, atol=1e-12)
    check_gradients(lambda v: losses.categorical_crossentropy(t, activations.softmax(v[0])), [x])


def test_sparse_logits_path_matches_probability_path():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(7, 4))
    labels = rng.integers(0, 4, 7)
    fused = _grad(lambda v: losses.sparse_categorical_crossentropy(labels, activations.softmax(v)), x)
    plain = _grad(lambda v: losses.sparse_categorical_crossentropy(labels, ops.softmax(v)), x)
    assert_allclose(fused[0], plain[0], rtol=1e-10)
    assert_allclose(fused[1], plain[1], rtol=1e-8, atol=1e-12)
    check_gradients(lambda v: losses.sparse_categorical_crossentropy(labels, activations.softmax(v[0])), [x])


def test_sigmoid_logits_path_matches_probability_path():
    rng = np.random.default_rng(10)
    x = rng.normal(size=(6, 3)) * 2
    t = rng.integers(0, 2, (6, 3)).astype(float)
    fused = _grad(lambda v: losses.binary_crossentropy(t, activations.sigmoid(v)), x)
    plain = _grad(lambda v: losses.binary_crossentropy(t, ops.sigmoid(v)), x)
    logits = _grad(lambda v: losses.binary_crossentropy(t, v, from_logits=True), x)
    for value, grad in (fused, logits):
        assert_allclose(value, plain[0], rtol=1e-10)
        assert_allclose(grad, plain[1], rtol=1e-8, atol=1e-12)
    check_gradients(lambda v: losses.binary_crossentropy(t, activations.sigmoid(v[0])), [x])
    check_gradients(lambda v: losses.binary_crossentropy(t, v[0], from_logits=True, label_smoothing=0.1), [x])


def test_logits_paths_are_stable_where_probabilities_saturate():
    x = Tensor(np.array([[100.0, -100.0, 0.0]], dtype=np.float32))
    t = np.array([[0.0, 1.0, 0.0]])
    value = losses.categorical_crossentropy(t, x, from_logits=True)
    assert_allclose(value.data, [200.0], rtol=1e-6)
    bce = losses.binary_crossentropy(np.array([[1.0]]), Tensor(np.array([[-200.0]], dtype=np.float32)), True)
    assert_allclose(bce.data, [200.0], rtol=1e-6)


def test_sigmoid_outputs_are_not_treated_as_softmax_logits():
    rng = np.random.default_rng(11)
    x = Tensor(rng.normal(size=(4, 3)))
    t = _one_hot(rng.integers(0, 3, 4), 3)
    probs = activations.sigmoid(x)
    assert_allclose(losses.categorical_crossentropy(t, probs).data, _ref_cce(t, probs.data), rtol=1e-12)
    soft = activations.softmax(x)
    assert_allclose(losses.binary_crossentropy(t, soft).data, _ref_bce(t, soft.data), rtol=1e-12)


def test_float32_kept_through_fused_ops():
    rng = np.random.default_rng(12)
    x = Variable(rng.normal(size=(8, 10)).astype(np.float32))
    x.requires_grad = True
    for value in (
        losses.CategoricalCrossentropy()(_one_hot(rng.integers(0, 10, 8), 10), activations.softmax(x)),
        losses.SparseCategoricalCrossentropy()(rng.integers(0, 10, 8), activations.softmax(x)),
        losses.BinaryCrossentropy()(rng.integers(0, 2, (8, 10)), activations.sigmoid(x)),
        losses.MeanSquaredError()(rng.normal(size=(8, 10)), x),
    ):
        assert value.dtype == np.float32
        assert gradients(value, [x])[0].dtype == np.float32


@pytest.mark.parametrize("cls", LOSS_CLASSES, ids=lambda cls: cls.__name__)
def test_config_round_trip(cls):
    original = cls(name="custom_name", reduction="sum")
    config = json.loads(json.dumps(losses.serialize(original)))
    assert config["class_name"] == cls.__name__
    restored = losses.get(config)
    assert type(restored) is cls
    assert restored.get_config() == original.get_config()
    assert restored.get_config()["name"] == "custom_name"


def test_keras_config_keys():
    assert losses.CategoricalCrossentropy().get_config() == {
        "name": "categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "label_smoothing": 0.0, "axis": -1,
    }  # fmt: skip
    assert losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": None,
    }  # fmt: skip
    assert losses.MeanSquaredError().get_config() == {"name": "mean_squared_error", "reduction": "sum_over_batch_size"}
    assert losses.Huber().name == "huber_loss"


def test_get_accepts_keras_identifiers():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("kullback_leibler_divergence") is losses.kl_divergence
    assert losses.get("logcosh") is losses.log_cosh
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get(losses.Huber), losses.Huber)
    instance = losses.Hinge()
    assert losses.get(instance) is instance
    assert losses.get(None) is None
    keras2 = {
        "class_name": "CategoricalCrossentropy",
        "config": {"reduction": "auto", "name": "categorical_crossentropy", "from_logits": True,
                   "label_smoothing": 0.1, "axis": -1, "fn": "categorical_crossentropy"},
    }  # fmt: skip
    restored = losses.get(keras2)
    assert restored.reduction == "sum_over_batch_size" and restored.from_logits and restored.label_smoothing == 0.1
    keras3 = {"module": "keras.losses", "class_name": "BinaryCrossentropy", "registered_name": None,
              "config": {"name": "bce", "reduction": "sum_over_batch_size", "from_logits": False,
                         "label_smoothing": 0.0, "axis": -1, "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                                                      "config": {"name": "float32"}}}}  # fmt: skip
    assert losses.get(keras3).name == "bce"
    assert losses.get({"class_name": "function", "config": "mae"}) is losses.mean_absolute_error
    wrapped = losses.as_loss("mse")
    assert isinstance(wrapped, losses.Loss) and wrapped.name == "mean_squared_error"
    assert losses.serialize(losses.mse) == "mean_squared_error"


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ConfigError, match=r"Valid names: .*mean_squared_error"):
        losses.get("mean_squared_eror")
    with pytest.raises(ConfigError, match="label_smoothing"):
        losses.CategoricalCrossentropy(label_smoothing=1.5)
    with pytest.raises(ConfigError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_custom_loss_function_wrapper_round_trip():
    from engine.saving.object_registration import register_serializable

    @register_serializable(package="Tests")
    def doubled_mse(y_true, y_pred, factor=2.0):
        return losses.mean_squared_error(y_true, y_pred) * factor

    wrapper = losses.LossFunctionWrapper(doubled_mse, factor=3.0)
    config = losses.serialize(wrapper)
    assert config["config"]["fn"] == "Tests>doubled_mse"
    restored = losses.get(config)
    value = restored(np.zeros((2, 1)), Tensor(np.ones((2, 1))))
    assert_allclose(float(value), 3.0)


def test_binary_focal_crossentropy_matches_keras_examples():
    value = losses.binary_focal_crossentropy([[0, 1], [0, 0]], Tensor(np.array([[0.6, 0.4], [0.4, 0.6]])), gamma=2)
    assert_allclose(value.data, [0.330, 0.206], atol=1e-3)
    y_true, logits = np.array([0, 1, 0, 0]), Tensor(np.array([-18.6, 0.51, 2.94, -12.8]))
    assert_allclose(float(losses.BinaryFocalCrossentropy(gamma=2, from_logits=True)(y_true, logits)), 0.691, atol=1e-3)
    balanced = losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2, from_logits=True)
    assert_allclose(float(balanced(y_true, logits)), 0.51, atol=1e-2)
    rng = np.random.default_rng(13)
    t, p = rng.integers(0, 2, (3, 4)).astype(float), rng.uniform(0.05, 0.95, (3, 4))
    check_gradients(lambda v: losses.binary_focal_crossentropy(t, v[0], apply_class_balancing=True), [p])


def _gpu_usable() -> bool:
    try:
        import cupy  # noqa: PLC0415

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no CuPy or no GPU both mean "skip"
        return False


def _loss_and_grad(fn, t, p):
    var = Variable(p)
    var.requires_grad = True
    value = fn(t, var)
    (grad,) = gradients(value.sum(), [var])
    from engine.backend import to_numpy  # noqa: PLC0415

    return to_numpy(value.data), to_numpy(grad)


@pytest.mark.gpu
@pytest.mark.skipif(not _gpu_usable(), reason="needs CuPy and an NVIDIA GPU")
def test_losses_on_cupy_match_numpy():
    from engine import backend  # noqa: PLC0415

    rng = np.random.default_rng(14)
    cases = [(name, losses.get(name), *_inputs(name, rng, shape=(16, 5))) for name in NAMES]
    labels = rng.integers(0, 5, 16)
    x = rng.normal(size=(16, 5)).astype(np.float32)
    onehot = np.eye(5, dtype=np.float32)[labels]
    cases += [
        ("softmax_cce", lambda t, v: losses.categorical_crossentropy(t, activations.softmax(v)), onehot, x),
        ("softmax_scce", lambda t, v: losses.sparse_categorical_crossentropy(t, activations.softmax(v)), labels, x),
        ("scce_ignore", lambda t, v: losses.sparse_categorical_crossentropy(t, v, True, ignore_class=2), labels, x),
        ("sigmoid_bce", lambda t, v: losses.binary_crossentropy(t, activations.sigmoid(v)), onehot, x),
        ("focal", losses.binary_focal_crossentropy, onehot, 1 / (1 + np.exp(-x))),
    ]
    expected = {name: _loss_and_grad(fn, t, p) for name, fn, t, p in cases}
    import cupy  # noqa: PLC0415

    backend.set_backend("cupy")
    try:
        for name, fn, t, p in cases:
            value, grad = _loss_and_grad(fn, cupy.asarray(t), cupy.asarray(p))
            tol = 1e-5 if np.asarray(p).dtype == np.float32 else 1e-10
            assert_allclose(value, expected[name][0], rtol=tol, atol=tol, err_msg=name)
            assert_allclose(grad, expected[name][1], rtol=tol, atol=tol, err_msg=name)
        weighted = losses.CategoricalCrossentropy()(cupy.asarray(onehot), cupy.asarray(x), sample_weight=np.ones(16))
        assert isinstance(float(weighted), float)
    finally:
        backend.set_backend("numpy")


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_dense_layer_outputs_carry_their_logits(activation):
    from engine.layers.core.dense import Dense  # noqa: PLC0415

    rng = np.random.default_rng(16)
    x = rng.normal(size=(4, 5))
    layer = Dense(3, activation=activation, dtype="float64")
    out = layer(x)
    assert out._keras_logits is not None
    assert activations.is_sigmoid_output(out) == (activation == "sigmoid")
    t = np.eye(3)[[0, 1, 2, 0]]
    fn = losses.categorical_crossentropy if activation == "softmax" else losses.binary_crossentropy
    reference = _ref_cce(t, out.data) if activation == "softmax" else _ref_bce(t, out.data)
    assert_allclose(fn(t, out).data, reference, rtol=1e-6)
