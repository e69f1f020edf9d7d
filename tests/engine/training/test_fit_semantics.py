"""fit/evaluate/predict follow the Keras FAQ: validation split, shuffling, loss bookkeeping, modes."""

from __future__ import annotations

import numpy as np
import pytest

from engine import callbacks, layers, models, optimizers, regularizers, utils
from engine.errors import ConfigError, DataError, NotBuiltError


class RecordSamples(layers.Layer):
    """Identity layer that records which samples (column 0 holds the sample id) it sees in training."""

    def __init__(self, log: list, **kwargs):
        super().__init__(**kwargs)
        self.log = log

    def call(self, inputs, training=False):
        if training:
            self.log.append(inputs.numpy()[:, 0].astype(int).tolist())
        return inputs


def _concat(lists):
    return [item for chunk in lists for item in chunk]


def _indexed_data(n=20, features=3):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, features)).astype("float32")
    x[:, 0] = np.arange(n)
    y = rng.standard_normal((n, 1)).astype("float32")
    return x, y


def _recording_model(log, lr=0.0):
    model = models.Sequential([layers.Input(shape=(3,)), RecordSamples(log), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def test_validation_split_takes_the_last_fraction_before_shuffling():
    x, y = _indexed_data()
    log: list = []
    model = _recording_model(log)
    history = model.fit(x, y, batch_size=4, epochs=3, validation_split=0.25, shuffle=True, verbose=0)
    seen = [sorted(_concat(log[i : i + 4])) for i in range(0, 12, 4)]
    assert all(epoch == list(range(15)) for epoch in seen)  # samples 15..19 are never trained on
    expected_val = model.evaluate(x[15:], y[15:], verbose=0)
    np.testing.assert_allclose(history.history["val_loss"], [expected_val] * 3, rtol=1e-6)


def test_shuffle_true_reshuffles_each_epoch_and_false_keeps_order():
    x, y = _indexed_data()
    log: list = []
    _recording_model(log).fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0)
    assert _concat(log) == list(range(20)) * 2
    log.clear()
    _recording_model(log).fit(x, y, batch_size=5, epochs=3, shuffle=True, verbose=0)
    epochs = [_concat(log[i : i + 4]) for i in range(0, 12, 4)]
    assert all(sorted(e) == list(range(20)) for e in epochs)
    assert epochs[0] != list(range(20)) and epochs[0] != epochs[1] != epochs[2]


def test_history_has_per_epoch_losses_metrics_and_validation():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=4, batch_size=8, validation_data=(x[:10], y[:10]), verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for k, v in history.history.items() if k in ("loss", "accuracy", "val_loss"))
    assert history.epoch == [0, 1, 2, 3]


def test_training_loss_is_the_mean_over_batches_and_includes_penalties():
    x, y = _indexed_data(16)
    batch_losses = []
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(1, kernel_regularizer=regularizers.l2(0.1))])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss="mse")
    weights_before = model.get_weights()
    recorder = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batch_losses.append(logs["loss"]))
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[recorder])
    # The running mean after the last batch is the epoch loss (Keras convention).
    assert history.history["loss"][0] == pytest.approx(batch_losses[-1])
    # The first step's loss is mse + l2 penalty of the initial weights.
    kernel, bias = weights_before
    first = np.mean((x[:4] @ kernel + bias - y[:4]) ** 2) + 0.1 * np.sum(kernel**2)
    assert batch_losses[0] == pytest.approx(first, rel=1e-5)


def test_validation_loss_runs_in_inference_mode():
    x, y = _indexed_data(16)
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dropout(0.5), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=4, validation_data=(x, y), verbose=0)
    plain = np.mean((model.predict(x) - y) ** 2)
    np.testing.assert_allclose(history.history["val_loss"], [plain, plain], rtol=1e-5)
    assert history.history["loss"][0] != pytest.approx(plain)  # dropout was active in training


def test_sample_weight_and_class_weight_scale_the_loss():
    x = np.ones((4, 2), dtype="float32")
    y = np.array([0, 1, 1, 1])
    model = models.Sequential(
        [layers.Input(shape=(2,)), layers.Dense(2, activation="softmax", kernel_initializer="zeros")]
    )
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="sparse_categorical_crossentropy")
    base = model.evaluate(x, y, verbose=0)
    assert base == pytest.approx(np.log(2), rel=1e-5)
    weighted = model.fit(x, y, sample_weight=np.array([1, 0, 0, 0.0]), epochs=1, batch_size=4, verbose=0)
    assert weighted.history["loss"][0] == pytest.approx(np.log(2) / 4, rel=1e-5)
    by_class = model.fit(x, y, class_weight={0: 2.0, 1: 0.0}, epochs=1, batch_size=4, verbose=0)
    assert by_class.history["loss"][0] == pytest.approx(2 * np.log(2) / 4, rel=1e-5)


def test_initial_epoch_and_stop_training():
    x, y = _indexed_data(16)
    model = _recording_model([], lr=0.01)
    history = model.fit(x, y, epochs=5, initial_epoch=3, batch_size=4, verbose=0)
    assert history.epoch == [3, 4]

    seen = []

    def stop_after_second_batch(batch, logs):
        seen.append(batch)
        if batch == 1:
            model.stop_training = True

    model.fit(x, y, epochs=3, batch_size=4, verbose=0,
              callbacks=[callbacks.LambdaCallback(on_train_batch_end=stop_after_second_batch)])  # fmt: skip
    assert seen == [0, 1]


def test_generators_sequences_and_fit_generator():
    x, y = _indexed_data(12)

    class Batches(utils.Sequence):
        def __len__(self):
            return 3

        def __getitem__(self, index):
            return x[index * 4 : (index + 1) * 4], y[index * 4 : (index + 1) * 4]

    def endless():
        while True:
            for i in range(3):
                yield x[i * 4 : (i + 1) * 4], y[i * 4 : (i + 1) * 4]

    model = _recording_model([], lr=0.01)
    assert len(model.fit(Batches(), epochs=2, verbose=0).history["loss"]) == 2
    assert len(model.fit(endless(), steps_per_epoch=3, epochs=2, verbose=0).history["loss"]) == 2
    assert len(model.fit_generator(endless(), steps_per_epoch=3, epochs=1, verbose=0).history["loss"]) == 1
    with pytest.raises(DataError, match="steps_per_epoch"):
        model.fit(endless(), epochs=1, verbose=0)
    assert model.predict(Batches()).shape == (12, 1)
    assert np.isfinite(model.evaluate(Batches(), verbose=0))


def test_single_batch_methods():
    x, y = _indexed_data(8)
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.001), loss="mse", metrics=["mae"])
    before = model.test_on_batch(x, y)
    loss, mae = model.train_on_batch(x, y)
    assert loss == pytest.approx(before[0], rel=1e-5)
    after = model.test_on_batch(x, y, return_dict=True)
    assert after["loss"] < loss
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x), rtol=1e-6)


def test_user_errors_are_clear():
    x, y = _indexed_data(10)
    model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(1)])
    with pytest.raises(NotBuiltError, match="must be compiled"):
        model.fit(x, y, verbose=0)
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(DataError, match="x has 10.*y has 9"):
        model.fit(x, y[:9], verbose=0)
    with pytest.raises(ConfigError, match="Unknown activation 'relux'.*relu"):
        layers.Dense(2, activation="relux")
    with pytest.raises(ConfigError, match="Unknown loss|unknown loss"):
        model.compile(optimizer="sgd", loss="mean_squared_errr")
    with pytest.raises(NotBuiltError, match="not been built"):
        models.Sequential([layers.Dense(2)]).count_params()


def test_same_seed_gives_bit_identical_training():
    def run():
        utils.set_random_seed(42)
        x = np.random.default_rng(3).standard_normal((32, 5)).astype("float32")
        y = np.random.default_rng(4).integers(0, 3, 32)
        model = models.Sequential([layers.Input(shape=(5,)), layers.Dense(8, activation="relu"),
                                   layers.Dropout(0.3), layers.Dense(3, activation="softmax")])  # fmt: skip
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=3, batch_size=8, shuffle=True, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)
