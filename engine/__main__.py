"""``python -m engine``: train the demo MLP on the bundled digits and report its accuracy.

This is the engine's own end-to-end run (the studio, ``strata``, wraps the same model in a window).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from engine import callbacks, layers, models, utils
    from engine.datasets import load_digits

    utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_digits()
    model = models.Sequential(
        [
            layers.Input(shape=(8, 8), name="pixels"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ],
        name="digits_mlp",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(
        x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, validation_split=0.1,
        callbacks=[callbacks.EarlyStopping(patience=3, restore_best_weights=True)], verbose=2,
    )  # fmt: skip
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss {loss:.4f}, test accuracy {accuracy:.4f} on {len(x_test)} held-out digits.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
