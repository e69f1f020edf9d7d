"""Strata <-> Keras file compatibility, checked with a real Keras installation (never a dependency).

1. Strata -> Keras: builds a set of Strata models (Dense/Conv/BatchNorm, a functional model with
   shared layers, recurrent, convolution variants, merging and activation layers), trains some a
   little, saves each with ``model.save('x.h5')`` and ``save_weights('x.weights.h5')``, then opens the
   files with Keras (``keras.saving.load_model``; and ``load_weights`` into the model Keras rebuilt),
   and the ``.keras`` file from ``model.save('x.keras')``, comparing predictions.
2. Keras -> Strata: Keras builds models with the same layer types, saves them, and Strata's
   ``load_model`` must reproduce Keras's predictions.

Keras runs in a separate interpreter: ``--keras-python`` (or $KERAS_PYTHON) must point at a
Python with ``keras`` (3.x, any backend), ``h5py`` and ``numpy`` installed.

Usage: python benchmarks/keras_roundtrip.py --keras-python /path/to/venv/bin/python [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import layers, models, utils  # noqa: E402

TOLERANCE = 1e-5


def _strata_models() -> dict[str, tuple[models.Model, np.ndarray]]:
    rng = np.random.default_rng(0)
    built: dict[str, tuple[models.Model, np.ndarray]] = {}

    mlp = models.Sequential(
        [
            layers.Input(shape=(20,)),
            layers.Dense(32, activation="relu", kernel_regularizer="l2"),
            layers.Dropout(0.3),
            layers.BatchNormalization(),
            layers.Dense(4, activation="softmax"),
        ],
        name="mlp",
    )
    mlp.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x = rng.normal(size=(64, 20)).astype("float32")
    mlp.fit(x, np.eye(4, dtype="float32")[rng.integers(0, 4, 64)], epochs=2, batch_size=16, verbose=0)
    built["mlp"] = (mlp, x[:8])

    cnn = models.Sequential(
        [
            layers.Input(shape=(12, 12, 1)),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Conv2D(16, 3),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ],
        name="cnn",
    )
    cnn.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x = rng.normal(size=(32, 12, 12, 1)).astype("float32")
    cnn.fit(x, rng.integers(0, 10, 32), epochs=1, batch_size=16, verbose=0)
    built["cnn"] = (cnn, x[:8])

    a, b = layers.Input(shape=(6,), name="a"), layers.Input(shape=(6,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    merged = layers.Concatenate()([shared(a), shared(b), layers.Subtract()([a, b])])
    head = layers.Dense(3, activation="softmax", name="head")(layers.LayerNormalization()(merged))
    functional = models.Model([a, b], head, name="siamese")
    functional.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    built["functional"] = (functional, [rng.normal(size=(8, 6)).astype("float32") for _ in range(2)])

    conv = models.Sequential(
        [
            layers.Input(shape=(10, 10, 3)),
            layers.ZeroPadding2D(1),
            layers.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"),
            layers.SeparableConv2D(6, 3, padding="same"),
            layers.Conv2DTranspose(4, 3, strides=2),
            layers.Cropping2D(1),
            layers.AveragePooling2D(2),
            layers.UpSampling2D(2),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ],
        name="conv_variants",
    )
    built["conv_variants"] = (conv, rng.normal(size=(4, 10, 10, 3)).astype("float32"))

    tokens = models.Sequential(
        [
            layers.Input(shape=(7,)),
            layers.Embedding(20, 8),
            layers.Conv1D(8, 3, padding="same", activation="relu"),
            layers.LSTM(6, return_sequences=True),
            layers.GRU(5, return_sequences=True),
            layers.SimpleRNN(4, return_sequences=True),
            layers.GlobalMaxPooling1D(),
            layers.Dense(3),
        ],
        name="recurrent",
    )
    built["recurrent"] = (tokens, rng.integers(0, 20, size=(4, 7)).astype("float32"))

    wrappers = models.Sequential(
        [
            layers.Input(shape=(5, 4)),
            layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
            layers.TimeDistributed(layers.Dense(2)),
            layers.Flatten(),
            layers.RepeatVector(2),
            layers.Permute((2, 1)),
            layers.Reshape((-1,)),
            layers.Dense(2),
        ],
        name="wrappers",
    )
    built["wrappers"] = (wrappers, rng.normal(size=(4, 5, 4)).astype("float32"))

    i = layers.Input(shape=(6,))
    h = layers.Dense(6)(i)
    branches = [
        layers.ReLU()(h),
        layers.LeakyReLU(negative_slope=0.2)(h),
        layers.PReLU()(h),
        layers.ELU()(h),
        layers.Softmax()(h),
        layers.Activation("swish")(h),
    ]
    merged = layers.Add()(
        [layers.Average()(branches[:2]), layers.Maximum()(branches[2:4]), layers.Minimum()(branches[4:])]
    )
    out = layers.Dot(axes=1)([layers.Multiply()([merged, h]), h])
    activations = models.Model(i, out, name="activations")
    built["activations"] = (activations, rng.normal(size=(4, 6)).astype("float32"))
    return built


KERAS_LOAD = textwrap.dedent(
    """
    import json, os, sys, warnings
    os.environ.setdefault("KERAS_BACKEND", "jax")
    warnings.filterwarnings("ignore")
    import numpy as np, keras
    folder = sys.argv[1]
    results = {}
    for name in json.load(open(os.path.join(folder, "strata_models.json"))):
        data = np.load(os.path.join(folder, name + "_io.npz"))
        x = [data[k] for k in sorted(data.files) if k.startswith("x")]
        x = x[0] if len(x) == 1 else x
        entry = {}
        try:
            model = keras.saving.load_model(os.path.join(folder, name + ".h5"))
            entry["load_model"] = float(np.max(np.abs(model.predict(x, verbose=0) - data["y"])))
            entry["compiled"] = getattr(model, "optimizer", None) is not None
            try:
                model.load_weights(os.path.join(folder, name + ".weights.h5"))
                entry["load_weights"] = float(np.max(np.abs(model.predict(x, verbose=0) - data["y"])))
            except Exception as error:
                entry["load_weights"] = f"{type(error).__name__}: {str(error)[:200]}"
        except Exception as error:
            entry["load_model"] = f"{type(error).__name__}: {str(error)[:300]}"
        try:
            model = keras.saving.load_model(os.path.join(folder, name + ".keras"))
            entry["keras_zip"] = float(np.max(np.abs(model.predict(x, verbose=0) - data["y"])))
        except Exception as error:
            entry["keras_zip"] = f"{type(error).__name__}: {str(error)[:300]}"
        results[name] = entry
    print(json.dumps(results))
    """
)

KERAS_SAVE = textwrap.dedent(
    """
    import json, os, sys, warnings
    os.environ.setdefault("KERAS_BACKEND", "jax")
    warnings.filterwarnings("ignore")
    import numpy as np, keras
    from keras import layers
    folder = sys.argv[1]
    rng = np.random.default_rng(1)
    keras.utils.set_random_seed(1)
    def randomize(model):
        for w in model.weights:
            w.assign(rng.normal(size=w.shape).astype("float32") * 0.5 + (1.0 if "variance" in w.path else 0.0))
        return model
    made = {}
    made["k_conv_variants"] = (keras.Sequential([
        keras.Input((10, 10, 3)), layers.ZeroPadding2D(1),
        layers.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"), layers.SeparableConv2D(6, 3, padding="same"),
        layers.Conv2DTranspose(4, 3, strides=2), layers.Cropping2D(1), layers.AveragePooling2D(2),
        layers.UpSampling2D(2), layers.BatchNormalization(), layers.GlobalAveragePooling2D(), layers.Dense(2)]),
        rng.normal(size=(4, 10, 10, 3)))
    made["k_recurrent"] = (keras.Sequential([
        keras.Input((7,)), layers.Embedding(20, 8), layers.Conv1D(8, 3, padding="same", activation="relu"),
        layers.MaxPooling1D(1), layers.LSTM(6, return_sequences=True), layers.GRU(5, return_sequences=True),
        layers.SimpleRNN(4, return_sequences=True), layers.GlobalAveragePooling1D(), layers.Dense(3)]),
        rng.integers(0, 20, size=(4, 7)))
    made["k_wrappers"] = (keras.Sequential([
        keras.Input((5, 4)), layers.Bidirectional(layers.GRU(3, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2)), layers.LayerNormalization(), layers.Flatten(), layers.RepeatVector(2),
        layers.Permute((2, 1)), layers.Reshape((-1,)), layers.Dense(2)]), rng.normal(size=(4, 5, 4)))
    i = keras.Input((6,), name="x")
    h = layers.Dense(6)(i)
    br = [layers.ReLU()(h), layers.LeakyReLU(negative_slope=0.2)(h), layers.PReLU()(h), layers.ELU()(h),
          layers.Softmax()(h), layers.Activation("swish")(h)]
    m = layers.Add()([layers.Average()(br[:2]), layers.Maximum()(br[2:4]), layers.Minimum()(br[4:])])
    o = layers.Dot(axes=1)([layers.Multiply()([m, h]), h])
    made["k_activations"] = (keras.Model(i, o), rng.normal(size=(4, 6)))
    names = []
    for name, (model, x) in made.items():
        randomize(model)
        x = np.asarray(x, dtype="float32")
        model.save(os.path.join(folder, name + ".h5"))
        np.savez(os.path.join(folder, name + "_io.npz"), x=x, y=model.predict(x, verbose=0))
        names.append(name)
    print(json.dumps(names))
    """
)


def _run_keras(python: str, code: str, folder: Path) -> object:
    result = subprocess.run(
        [python, "-c", code, str(folder)], capture_output=True, text=True, timeout=1200, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"Keras side failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{'OK ' if value <= TOLERANCE else 'BAD'} max|diff|={value:.2e}"
    return f"FAIL {value}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-python", default=os.environ.get("KERAS_PYTHON", sys.executable))
    parser.add_argument("--keep", default=None, help="folder to keep the files in")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="strata_keras_"))
    folder.mkdir(parents=True, exist_ok=True)
    utils.set_random_seed(0)

    print(f"== Strata -> Keras ({args.keras_python}) ==")
    built = _strata_models()
    for name, (model, x) in built.items():
        model.save(folder / f"{name}.h5")
        model.save_weights(folder / f"{name}.weights.h5")
        model.save(folder / f"{name}.keras")
        xs = x if isinstance(x, list) else [x]
        np.savez(folder / f"{name}_io.npz", y=model.predict(x), **{f"x{i}": v for i, v in enumerate(xs)})
    (folder / "strata_models.json").write_text(json.dumps(list(built)))
    results = _run_keras(args.keras_python, KERAS_LOAD, folder)
    for name, entry in results.items():
        print(f"{name:16s} load_model: {_fmt(entry['load_model'])}")
        if "load_weights" in entry:
            print(f"{'':16s} load_weights(.weights.h5): {_fmt(entry['load_weights'])}  compiled={entry['compiled']}")
        print(f"{'':16s} load_model(.keras): {_fmt(entry['keras_zip'])}")

    print("== Keras -> Strata ==")
    for name in _run_keras(args.keras_python, KERAS_SAVE, folder):
        data = np.load(folder / f"{name}_io.npz")
        try:
            model = models.load_model(folder / f"{name}.h5")
            print(f"{name:16s} load_model: {_fmt(float(np.max(np.abs(model.predict(data['x']) - data['y']))))}")
        except Exception as error:  # noqa: BLE001 - a report, not a test
            print(f"{name:16s} load_model: {_fmt(f'{type(error).__name__}: {str(error)[:300]}')}")
    print(f"files in {folder}")


if __name__ == "__main__":
    main()
