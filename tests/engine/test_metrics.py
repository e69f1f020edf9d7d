"""Metrics: weighted accumulation over batches as Keras does, names, configs and the 'accuracy' rule."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import losses, metrics
from engine.autograd import Tensor, Variable
from engine.errors import ConfigError
from engine.metrics.registry import METRIC_CLASSES


def _batches(seed=0, n_batches=3, batch=6, classes=4):
    rng = np.random.default_rng(seed)
    for _ in range(n_batches):
        labels = rng.integers(0, classes, batch)
        yield labels, np.eye(classes)[labels], rng.random((batch, classes)), rng.uniform(0, 2, batch)


def _weighted_mean(per_sample_batches):
    values = np.concatenate([v for v, _ in per_sample_batches])
    weights = np.concatenate([w for _, w in per_sample_batches])
    return (values * weights).sum() / weights.sum()


def test_mean_is_weighted_by_batch_size():
    tracker = metrics.Mean(name="loss")
    tracker.update_state(2.0, sample_weight=32)
    tracker.update_state(Tensor(np.float32(4.0)), sample_weight=16)
    assert tracker.result() == pytest.approx((64 + 64) / 48)
    tracker.reset_state()
    assert tracker.result() == 0.0
    tracker.update_state([1.0, 2.0, 6.0])
    assert tracker.result() == pytest.approx(3.0)


def test_categorical_and_sparse_accuracy_accumulate_weighted():
    cat, sparse = metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy()
    seen = []
    for labels, onehot, scores, weights in _batches():
        cat.update_state(onehot, scores, sample_weight=weights)
        sparse.update_state(labels[:, None], Tensor(scores), sample_weight=weights)
        seen.append(((scores.argmax(-1) == labels).astype(float), weights))
    assert cat.result() == pytest.approx(_weighted_mean(seen))
    assert sparse.result() == pytest.approx(_weighted_mean(seen))


def test_binary_accuracy_threshold_and_elementwise_mean():
    y = np.array([[1, 0], [1, 1], [0, 0]])
    p = np.array([[0.7, 0.6], [0.4, 0.9], [0.2, 0.1]])
    metric = metrics.BinaryAccuracy()
    metric.update_state(y, p, sample_weight=[1.0, 2.0, 1.0])
    # Per-sample accuracies 0.5, 0.5, 1.0 weighted 1, 2, 1.
    assert metric.result() == pytest.approx((0.5 + 1.0 + 1.0) / 4)
    strict = metrics.BinaryAccuracy(threshold=0.65)
    strict.update_state(y, p)
    assert strict.result() == pytest.approx(5 / 6)
    flat = metrics.BinaryAccuracy()
    flat.update_state(np.array([1, 0, 1]), np.array([[0.9], [0.8], [0.3]]))
    assert flat.result() == pytest.approx(1 / 3)


def test_accuracy_is_exact_equality():
    metric = metrics.Accuracy()
    metric.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert metric.result() == pytest.approx(0.75)


def _ref_in_top_k(labels, scores, k):
    kth = np.sort(scores, axis=-1)[:, -k]
    return (scores[np.arange(len(labels)), labels] >= kth).astype(float)


def test_top_k_accuracies_count_ties_like_keras():
    scores = np.array([[0.1, 0.5, 0.5, 0.2], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]])
    labels = np.array([2, 2, 3])
    top2 = metrics.SparseTopKCategoricalAccuracy(k=2)
    top2.update_state(labels, scores)
    assert top2.result() == pytest.approx(_ref_in_top_k(labels, scores, 2).mean())
    assert top2.result() == pytest.approx(2 / 3)
    dense = metrics.TopKCategoricalAccuracy(k=2)
    dense.update_state(np.eye(4)[labels], scores)
    assert dense.result() == pytest.approx(2 / 3)
    assert metrics.TopKCategoricalAccuracy().k == 5
    rng = np.random.default_rng(3)
    big_scores, big_labels = rng.random((50, 10)), rng.integers(0, 10, 50)
    top3 = metrics.SparseTopKCategoricalAccuracy(k=3)
    top3.update_state(big_labels, big_scores)
    assert top3.result() == pytest.approx(_ref_in_top_k(big_labels, big_scores, 3).mean())


def test_regression_metrics_over_batches():
    rng = np.random.default_rng(4)
    mae, mse, rmse = metrics.get("mae"), metrics.get("mse"), metrics.RootMeanSquaredError()
    abs_seen, sq_seen = [], []
    for _ in range(3):
        t, p, w = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), rng.uniform(0, 1, 5)
        for metric in (mae, mse, rmse):
            metric.update_state(t, Tensor(p), sample_weight=w)
        abs_seen.append((np.abs(t - p).mean(-1), w))
        sq_seen.append((((t - p) ** 2).mean(-1), w))
    assert mae.result() == pytest.approx(_weighted_mean(abs_seen))
    assert mse.result() == pytest.approx(_weighted_mean(sq_seen))
    assert rmse.result() == pytest.approx(np.sqrt(_weighted_mean(sq_seen)))


def test_any_loss_function_as_metric():
    rng = np.random.default_rng(5)
    huber = metrics.get("huber")
    assert isinstance(huber, metrics.MeanMetricWrapper) and huber.name == "huber"
    t, p = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    x = Variable(p)
    x.requires_grad = True
    huber.update_state(t, x)
    assert huber.result() == pytest.approx(float(losses.huber(t, p).data.mean()))
    cce = metrics.CategoricalCrossentropy(from_logits=True)
    cce.update_state(np.eye(3)[[0, 1, 2, 0]], p)
    expected = losses.categorical_crossentropy(np.eye(3)[[0, 1, 2, 0]], p, from_logits=True).data.mean()
    assert cce.result() == pytest.approx(float(expected))
    cos = metrics.CosineSimilarity()
    cos.update_state(np.array([[1.0, 0.0]]), np.array([[2.0, 0.0]]))
    assert cos.result() == pytest.approx(1.0)


def test_masked_predictions_are_left_out():
    pred = Tensor(np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.6, 0.4], [0.3, 0.7]]]))
    pred._keras_mask = np.array([[True, False], [True, True]])
    labels = np.array([[0, 0], [1, 1]])
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state(labels, pred)
    # Valid steps: (0: right), (1,0: wrong), (1,1: right).
    assert metric.result() == pytest.approx(2 / 3)


def test_precision_recall_and_auc():
    rng = np.random.default_rng(6)
    y = rng.random(400) > 0.5
    p = np.clip(0.35 * y + 0.65 * rng.random(400), 0, 1)
    precision, recall, roc, pr = metrics.Precision(), metrics.Recall(), metrics.AUC(), metrics.AUC(curve="PR")
    for chunk in np.array_split(np.arange(400), 4):
        for metric in (precision, recall, roc, pr):
            metric.update_state(y[chunk], p[chunk])
    predicted = p > 0.5
    assert precision.result() == pytest.approx((predicted & y).sum() / predicted.sum())
    assert recall.result() == pytest.approx((predicted & y).sum() / y.sum())
    exact_roc = (p[y][:, None] > p[~y][None, :]).mean()
    assert roc.result() == pytest.approx(exact_roc, abs=0.01)
    order = np.argsort(-p)
    hits = y[order]
    average_precision = (np.cumsum(hits) / np.arange(1, 401))[hits].mean()
    assert pr.result() == pytest.approx(average_precision, abs=0.02)


def test_metrics_by_name():
    expected = {
        "accuracy": metrics.Accuracy,
        "acc": metrics.Accuracy,
        "mae": metrics.MeanAbsoluteError,
        "mse": metrics.MeanSquaredError,
        "categorical_accuracy": metrics.CategoricalAccuracy,
        "sparse_categorical_accuracy": metrics.SparseCategoricalAccuracy,
        "top_k_categorical_accuracy": metrics.TopKCategoricalAccuracy,
        "sparse_top_k_categorical_accuracy": metrics.SparseTopKCategoricalAccuracy,
        "binary_accuracy": metrics.BinaryAccuracy,
        "RootMeanSquaredError": metrics.RootMeanSquaredError,
        "auc": metrics.AUC,
        "precision": metrics.Precision,
    }
    for name, cls in expected.items():
        assert type(metrics.get(name)) is cls, name
    with pytest.raises(ConfigError, match=r"Valid names: .*categorical_accuracy"):
        metrics.get("categorical_acuracy")


def test_keras2_mean_metric_wrapper_config():
    config = {"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "dtype": "float32",
                                                            "fn": "categorical_accuracy"}}  # fmt: skip
    metric = metrics.get(config)
    assert isinstance(metric, metrics.MeanMetricWrapper) and metric.name == "accuracy"
    metric.update_state(np.eye(3)[[0, 1]], np.array([[0.8, 0.1, 0.1], [0.5, 0.2, 0.3]]))
    assert metric.result() == pytest.approx(0.5)
    assert metric.get_config() == config["config"]


@pytest.mark.parametrize("cls", [c for c in METRIC_CLASSES if c is not metrics.MeanMetricWrapper], ids=str)
def test_config_round_trip(cls):
    original = cls(name="renamed")
    config = json.loads(json.dumps(metrics.serialize(original)))
    restored = metrics.get(config)
    assert type(restored) is cls
    assert restored.get_config() == original.get_config()
    assert restored.name == "renamed"


def test_keras_config_keys():
    assert metrics.BinaryAccuracy().get_config() == {"name": "binary_accuracy", "dtype": "float32", "threshold": 0.5}
    assert metrics.TopKCategoricalAccuracy(k=3).get_config() == {
        "name": "top_k_categorical_accuracy", "dtype": "float32", "k": 3,
    }  # fmt: skip
    assert metrics.CategoricalAccuracy().get_config() == {"name": "categorical_accuracy", "dtype": "float32"}


@pytest.mark.parametrize(
    ("loss", "output_shape", "expected"),
    [
        ("categorical_crossentropy", (None, 10), metrics.CategoricalAccuracy),
        (losses.CategoricalCrossentropy(from_logits=True), (None, 10), metrics.CategoricalAccuracy),
        ("sparse_categorical_crossentropy", (None, 10), metrics.SparseCategoricalAccuracy),
        (losses.SparseCategoricalCrossentropy(), (None, 5, 10), metrics.SparseCategoricalAccuracy),
        ("binary_crossentropy", (None, 3), metrics.BinaryAccuracy),
        ({"class_name": "BinaryCrossentropy", "config": {}}, (None, 1), metrics.BinaryAccuracy),
        ("mse", (None, 1), metrics.BinaryAccuracy),
        ("mse", (None, 4), metrics.CategoricalAccuracy),
        (None, (None, 1), metrics.BinaryAccuracy),
    ],
)
def test_accuracy_resolution(loss, output_shape, expected):
    for name in ("accuracy", "acc"):
        metric = metrics.resolve(name, loss, output_shape)
        assert type(metric) is expected
        assert metric.name == name


def test_crossentropy_resolution_and_string_names():
    metric = metrics.resolve("crossentropy", losses.BinaryCrossentropy(from_logits=True), (None, 1))
    assert isinstance(metric, metrics.BinaryCrossentropy) and metric.from_logits and metric.name == "crossentropy"
    assert metrics.resolve("ce", "sparse_categorical_crossentropy", (None, 3)).name == "ce"
    mse = metrics.resolve("mse", "mse", (None, 1))
    assert isinstance(mse, metrics.MeanSquaredError) and mse.name == "mse"
    auc = metrics.AUC(name="my_auc")
    assert metrics.resolve(auc, "binary_crossentropy", (None, 1)) is auc
    custom = metrics.resolve(lambda y_true, y_pred: np.abs(np.asarray(y_true) - np.asarray(y_pred)), "mse", (None, 1))
    custom.update_state([[1.0]], [[3.0]])
    assert custom.result() == pytest.approx(2.0)


def _gpu_usable() -> bool:
    try:
        import cupy  # noqa: PLC0415

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no CuPy or no GPU both mean "skip"
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _gpu_usable(), reason="needs CuPy and an NVIDIA GPU")
def test_metrics_on_cupy_match_numpy():
    import cupy  # noqa: PLC0415

    from engine import backend  # noqa: PLC0415

    rng = np.random.default_rng(15)
    labels, scores, weights = rng.integers(0, 4, 40), rng.random((40, 4)), rng.uniform(0, 2, 40)
    onehot = np.eye(4)[labels]
    binary = (rng.random((40, 1)) > 0.5).astype(float)
    cases = [
        (metrics.CategoricalAccuracy, onehot, scores),
        (metrics.SparseCategoricalAccuracy, labels, scores),
        (metrics.SparseTopKCategoricalAccuracy, labels, scores),
        (metrics.TopKCategoricalAccuracy, onehot, scores),
        (metrics.BinaryAccuracy, binary, scores[:, :1]),
        (metrics.MeanSquaredError, onehot, scores),
        (metrics.RootMeanSquaredError, onehot, scores),
        (metrics.CategoricalCrossentropy, onehot, scores),
        (metrics.Precision, binary, scores[:, :1]),
        (metrics.Recall, binary, scores[:, :1]),
        (metrics.AUC, binary, scores[:, :1]),
    ]

    def run(cls, y, p, module):
        metric = cls()
        for chunk in np.array_split(np.arange(40), 3):
            metric.update_state(module.asarray(y[chunk]), module.asarray(p[chunk]), module.asarray(weights[chunk]))
        return metric.result()

    expected = [run(cls, y, p, np) for cls, y, p in cases]
    backend.set_backend("cupy")
    try:
        for (cls, y, p), value in zip(cases, expected, strict=True):
            assert run(cls, y, p, cupy) == pytest.approx(value, rel=1e-9), cls.__name__
        tracker = metrics.Mean()
        tracker.update_state(cupy.asarray(2.0), sample_weight=8)
        assert tracker.result() == pytest.approx(2.0)
    finally:
        backend.set_backend("numpy")
