"""``strata-train MODEL.h5 --data DATA``: train a saved model without a window (for servers).

It uses the compile settings stored in the model, the same :class:`TrainingSession` as the studio,
prints progress with an ETA, and writes the trained model (default ``<model>_trained.h5`` next to
the input) and a history CSV with one row per epoch. Bad arguments or data give one line on stderr
and a non-zero exit status: 2 for bad arguments, 1 for anything that stops training.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

EXIT_FAILED = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one clear line instead of usage + error
        self.exit(EXIT_USAGE, f"strata-train: {message} (see strata-train --help)\n")


def _checked(convert: Callable[[str], Any], valid: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: ``convert(text)``, refused with "expected ..." when it fails or is not ``valid``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


_positive_int = _checked(int, lambda v: v >= 1, "a positive integer")
_fraction = _checked(float, lambda v: 0.0 <= v < 1.0, "a number in [0, 1)")
_seed = _checked(int, lambda v: v >= 0, "a non-negative integer")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="strata-train", description="Train a saved Strata/Keras model without the studio.")
    parser.add_argument("model", help="a compiled model file (.h5) saved by Strata or Keras")
    parser.add_argument("--data", required=True, help="training data: .npz (arrays x and y), .npy, .csv or .h5")
    parser.add_argument("--epochs", type=_positive_int, help="epochs (default: the model's stored settings, else 10)")
    parser.add_argument("--batch-size", type=_positive_int, help="batch size (default: stored settings, else 32)")
    parser.add_argument("--validation-split", type=_fraction, help="hold out this last fraction for validation")
    parser.add_argument("--output", help="where to write the trained model (default: MODEL_trained.h5)")
    parser.add_argument("--history", help="history CSV, one row per epoch (default: OUTPUT_history.csv)")
    parser.add_argument("--seed", type=_seed, help="seed for shuffling, dropout and noise (reproducible runs)")
    parser.add_argument("--x-dataset", default=None, help="HDF5/.npz name of the inputs (default: x)")
    parser.add_argument("--y-dataset", default=None, help="HDF5/.npz name of the targets (default: y)")
    parser.add_argument("--target-column", default=None, help="CSV/.npy target column name or index (default: last)")
    parser.add_argument(
        "--device",
        type=_device_list,
        help="cpu, gpu (the first GPU), gpu:N, gpus (every GPU, data parallel) or a comma-separated list such as "
        "gpu:0,gpu:1 (default: the device saved with the model when this machine has it, else the engine's default)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the final line")
    return parser


def _device_list(text: str) -> list[str]:
    """``--device`` as the settings' device names; "gpus" is resolved against the machine later."""
    names = []
    for part in (p.strip().lower().lstrip("/") for p in text.split(",")):
        if part == "cpu":
            names.append("/cpu:0")
        elif part == "gpu":
            names.append("/gpu:0")
        elif part == "gpus" and "," not in text:
            return ["gpus"]
        elif part.startswith(("gpu:", "cpu:")) and part[4:].isdigit():
            names.append(f"/{part}")
        else:
            raise argparse.ArgumentTypeError(f"expected cpu, gpu, gpu:N, gpus or a comma-separated list, got {text!r}")
    return names


class _Printer:
    """Progress lines: a live one per batch on a terminal (at most 10 a second), one line per epoch."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.quiet = stream, quiet
        self.live = stream.isatty()
        self.epochs = 1
        self._last = 0.0

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        if self.quiet:
            return
        if kind == "started":
            self.epochs = payload["epochs"]
            where = f" on {payload['device']}" if payload.get("device") else ""
            self._line(f"Training on {payload['samples']:,} samples for {self.epochs} epoch(s), "
                       f"{payload['steps']} batches per epoch{where}")  # fmt: skip
        elif kind == "batch" and self.live and time.monotonic() - self._last > 0.1:
            self._last = time.monotonic()
            self.stream.write(
                f"\rEpoch {payload['epoch'] + 1}/{self.epochs}  {payload['step'] + 1}/{payload['steps']}  "
                f"loss {payload['logs'].get('loss', float('nan')):.4f}  {payload['samples_per_s']:,.0f} samples/s  "
                f"ETA {format_seconds(payload['eta_s'])}   "
            )
            self.stream.flush()
        elif kind == "epoch":
            figures = "  ".join(f"{k} {v:.4f}" for k, v in payload["logs"].items() if k != "learning_rate")
            self._line(f"Epoch {payload['epoch'] + 1}/{self.epochs}  {figures}  ETA {format_seconds(payload['eta_s'])}")
        elif kind == "log" and payload["level"] != "info":
            self._line(f"{payload['level']}: {payload['message']}")

    def _line(self, text: str) -> None:
        self.stream.write(("\r" if self.live else "") + text + "\n")
        self.stream.flush()


def format_seconds(seconds: float) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour)."""
    if not math.isfinite(seconds):
        return "?"
    seconds = max(round(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _train(args)
    except KeyboardInterrupt:
        print("strata-train: interrupted; nothing was written.", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"strata-train: {message}", file=sys.stderr)
    return EXIT_FAILED


def _train(args: argparse.Namespace) -> int:
    from app.training.persistence import read_training_extras, write_history_csv, write_training_extras
    from engine.datasets.files import load_data
    from engine.errors import StrataError
    from engine.models import load_model
    from engine.training import preflight
    from engine.training.session import TrainingSession, TrainingSettings

    model_path = Path(args.model)
    if not model_path.is_file():
        return _fail(f"no such model file: '{model_path}'")
    try:
        model = load_model(model_path)
    except (StrataError, OSError, ValueError, KeyError) as error:
        return _fail(f"cannot open the model '{model_path}': {error}")
    if not getattr(model, "compiled", False):
        return _fail(f"'{model_path.name}' holds no compile settings (optimizer, loss): compile and save it first.")
    try:
        data = load_data(args.data, args.x_dataset, args.y_dataset, args.target_column)
    except (StrataError, OSError, ValueError) as error:
        return _fail(f"cannot read the data: {error}")
    stored, _ = read_training_extras(model_path)
    settings = stored or TrainingSettings()
    settings.checkpoint = None  # folders from another machine do not apply here
    for name in ("epochs", "batch_size", "validation_split", "seed"):
        if getattr(args, name) is not None:
            setattr(settings, name, getattr(args, name))
    try:
        settings.devices, note = _choose_devices(args.device, settings.devices)
    except StrataError as error:
        return _fail(str(error))
    if note and not args.quiet:
        print(f"warning: {note}", file=sys.stderr)
    fixed = model._stateful_batch_size()
    if fixed is not None:
        settings.batch_size, settings.shuffle = fixed, False
    for finding in preflight.check(model, data.x, data.y, settings):
        if finding.code == "trainable_changed":
            preflight.apply_fix("recompile", model, data.x, data.y, settings)
            continue
        text = f"{finding.message} {finding.fix}".strip()
        if finding.severity == "error":
            return _fail(text)
        if not args.quiet and finding.severity == "warning":
            print(f"warning: {text}", file=sys.stderr)
    session = TrainingSession(model, data.x, data.y, settings)
    session.subscribe(_Printer(sys.stdout, args.quiet))
    result = session.run()
    if result.reason == "error":
        return _fail(f"training failed: {result.error}")
    if result.reason == "nan":
        return _fail("the loss became NaN; the model was not written (see the message above)")
    output = Path(args.output) if args.output else model_path.with_name(f"{model_path.stem}_trained.h5")
    history_path = Path(args.history) if args.history else output.with_name(f"{output.stem}_history.csv")
    try:
        model.save(output)
        write_training_extras(output, settings, result.history)
        _copy_layout(model_path, output)
        write_history_csv(history_path, result.history)
    except (StrataError, OSError) as error:
        return _fail(f"cannot write the results: {error}")
    ending = {"early_stopping": " (early stopping)", "stopped": " (stopped)"}.get(result.reason, "")
    last = {k: v[-1] for k, v in result.history.items() if v and k != "learning_rate"}
    figures = ", ".join(f"{k} {v:.4f}" for k, v in last.items())
    print(f"Trained {result.epochs_run} epoch(s){ending} in {format_seconds(result.elapsed_s)}: {figures}. "
          f"Wrote {output} and {history_path}.")  # fmt: skip
    return 0


def _choose_devices(asked: list[str] | None, saved: list[str]) -> tuple[list[str], str]:
    """(devices for this run, a warning or ""): what ``--device`` asks (an error if this machine lacks it),
    else the devices saved with the model when they exist here, else the engine's default device."""
    from engine.backend import devices
    from engine.errors import ConfigError
    from engine.training import placement

    if asked == ["gpus"]:
        count, reason = devices.gpu_status()
        if count == 0:
            raise ConfigError(f"--device gpus: this machine has no usable GPU. {reason}".strip())
        asked = [f"/gpu:{i}" for i in range(count)]
    if asked is not None:
        placement.check_devices(asked)
        return asked, ""
    if not saved:
        return [], ""
    try:
        placement.check_devices(saved)
    except ConfigError as error:
        here = placement.describe([])
        return (
            [],
            f"the model was set to train on {', '.join(saved)}, which this machine cannot use ({error}); "
            f"training on {here} instead (choose with --device).",
        )
    return saved, ""


def _copy_layout(source: Path, target: Path) -> None:
    """Keep the studio's canvas layout of the input model in the trained file."""
    import h5py

    with h5py.File(source, "r") as src:
        layout = src.attrs.get("strata_layout")
    if layout is not None:
        with h5py.File(target, "a") as dst:
            dst.attrs["strata_layout"] = layout


if __name__ == "__main__":
    sys.exit(main())
