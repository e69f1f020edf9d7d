"""Callbacks driven by a real fit(): checkpoints through the persistence layer, early stopping."""

from __future__ import annotations

import numpy as np

from engine import callbacks, layers, models, optimizers


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x @ rng.standard_normal((4, 1))).astype("float32")
    return x, y


def _model(lr=0.05):
    model = models.Sequential([layers.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def test_model_checkpoint_writes_loadable_h5_files_from_a_template(tmp_path):
    x, y = _data()
    model = _model()
    template = str(tmp_path / "ckpt" / "w.{epoch:02d}-{val_loss:.2f}.h5")
    model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(template)])  # fmt: skip
    files = sorted((tmp_path / "ckpt").glob("w.*.h5"))
    assert [f.name[:4] for f in files] == ["w.01", "w.02", "w.03"]
    restored = models.load_model(files[-1])
    np.testing.assert_allclose(restored.predict(x), model.predict(x), rtol=1e-6)


def test_best_only_weights_checkpoint_and_early_stopping_restore(tmp_path):
    x, y = _data()
    model = _model(lr=0.0)  # the validation loss never improves after the first epoch
    path = tmp_path / "best.weights.h5"
    stopper = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=20, batch_size=16, validation_split=0.25, verbose=0,
                        callbacks=[callbacks.ModelCheckpoint(str(path), save_best_only=True,
                                                             save_weights_only=True), stopper])  # fmt: skip
    assert len(history.history["loss"]) == 3
    assert stopper.stopped_epoch == 2
    assert path.exists()
    clone = _model()
    clone.load_weights(path)
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_terminate_on_nan_keeps_last_good_weights():
    x, y = _data()
    y[40:] = np.nan
    model = _model()
    snapshots = []
    record = callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: snapshots.append(model.get_weights()))
    stopper = callbacks.TerminateOnNaN()
    model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0, callbacks=[record, stopper])
    assert stopper.stopped_at == (0, 2)
    for good, now in zip(snapshots[-1], model.get_weights()):
        np.testing.assert_array_equal(good, now)  # the NaN batch did not touch the weights
