"""Preflight checks: the training pitfalls Keras users hit most, found before ``fit`` starts. Qt-free.

``check(model, x, y, settings)`` returns :class:`Finding` records, each with the reason in plain words
and, where one exists, a fix: a description and an ``action`` key that :func:`apply_fix` carries out
on the data, the settings or the compile arguments. Checks never raise for bad data: a problem they
cannot judge is simply not reported (``fit`` will say what is wrong).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy  # host-side statistics of the user's data

from engine.training.session import TrainingSettings

ONE_HOT_LOSSES = {"categorical_crossentropy", "categoricalcrossentropy", "categorical_focal_crossentropy"}
SPARSE_LOSSES = {"sparse_categorical_crossentropy", "sparsecategoricalcrossentropy"}
BINARY_LOSSES = {"binary_crossentropy", "binarycrossentropy", "binary_focal_crossentropy"}
MIX_DISTANCE = 0.25  # total-variation distance between class mixes that is worth a warning
_SAMPLE_ROWS = 20_000  # label statistics read at most this many rows (HDF5 data stays on disk)


@dataclass(frozen=True)
class Finding:
    """One preflight result.

    Attributes:
        code: a stable identifier (``"validation_one_class"``, ``"loss_output_mismatch"``, ...).
        severity: ``"error"`` (training would fail or be meaningless), ``"warning"`` or ``"info"``.
        message: the reason, in plain words.
        fix: what to change, in plain words ("" when there is nothing to do).
        action: a key for :func:`apply_fix` ("" when no one-click fix exists).
    """

    code: str
    severity: str
    message: str
    fix: str = ""
    action: str = ""


def check(model: Any, x: Any, y: Any, settings: TrainingSettings | None = None) -> list[Finding]:
    """All findings for training ``model`` on ``(x, y)`` with ``settings``, errors first."""
    settings = settings or TrainingSettings()
    findings: list[Finding] = []
    findings += _shapes(model, x, y)
    findings += _stateful(model, x, settings)
    findings += _trainable_changes(model)
    findings += _frozen_batch_norm(model)
    if not any(f.code.startswith("shape") for f in findings):
        labels = _labels(y)
        findings += _loss_fit(model, y, labels)
        findings += _validation_split(labels, settings)
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order.get(f.severity, 3))


def apply_fix(action: str, model: Any, x: Any, y: Any, settings: TrainingSettings) -> tuple[Any, Any, TrainingSettings]:
    """Carry out a finding's ``action``; returns the (possibly new) data and settings.

    Actions: ``shuffle_once`` (permute the samples once, with the settings' seed, so the validation
    tail is a fair sample), ``shuffle_off``, ``batch_size:N``, ``loss:NAME`` (recompile with that loss,
    keeping the optimizer), ``recompile`` (take the current trainable flags into account).
    """
    if action == "shuffle_once":
        count = len(_first(x))
        order = numpy.random.default_rng(settings.seed or 0).permutation(count)
        return _take(x, order), _take(y, order), settings
    if action == "shuffle_off":
        return x, y, replace(settings, shuffle=False)
    if action.startswith("batch_size:"):
        return x, y, replace(settings, batch_size=int(action.split(":", 1)[1]))
    if action.startswith("loss:"):
        args = dict(model._compile_args)
        model.compile(optimizer=model.optimizer, loss=action.split(":", 1)[1], metrics=args.get("metrics"),
                      loss_weights=args.get("loss_weights"), weighted_metrics=args.get("weighted_metrics"))  # fmt: skip
        return x, y, settings
    if action == "recompile":
        model._compiled_trainable = list(model.trainable_weights)
        return x, y, settings
    raise ValueError(f"Unknown preflight fix '{action}'.")


# -- shapes ---------------------------------------------------------------------
def _shapes(model: Any, x: Any, y: Any) -> list[Finding]:
    found: list[Finding] = []
    inputs = list(getattr(model, "inputs", None) or [])
    outputs = list(getattr(model, "outputs", None) or [])
    xs = list(x) if isinstance(x, list | tuple) else [x]
    ys = list(y) if isinstance(y, list | tuple) else [y]
    if inputs and len(xs) != len(inputs):
        found.append(Finding("shape_inputs", "error", f"The model has {len(inputs)} input(s) but the data gives "
                             f"{len(xs)} input array(s).", "Choose data with one array per model input."))  # fmt: skip
        return found
    for tensor, array in zip(inputs, xs):
        expected = tuple(tensor.shape[1:])
        got = tuple(getattr(array, "shape", ())[1:])
        if not _fits(expected, got):
            found.append(Finding("shape_input", "error",
                                 f"The model's input '{_name(tensor)}' expects samples of shape {_fmt(expected)}, "
                                 f"the data has {_fmt(got)}.",
                                 f"Change the Input layer's shape to {_fmt(got)} or reshape the data."))  # fmt: skip
    counts = {len(a) for a in xs + ys if a is not None and hasattr(a, "shape")}
    if len(counts) > 1:
        found.append(Finding("shape_count", "error", f"The inputs and targets have different sample counts: "
                             f"{sorted(counts)}.", "Use inputs and targets with the same number of rows."))  # fmt: skip
    if len(outputs) == len(ys):
        for tensor, array in zip(outputs, ys):
            units = tensor.shape[-1] if tensor.shape else None
            got = tuple(getattr(array, "shape", ())[1:])
            expected = tuple(tensor.shape[1:])
            sparse_ok = got in ((), (1,)) and units is not None  # integer labels for a softmax
            if not (_fits(expected, got) or sparse_ok or _fits(expected[:-1], got)):
                found.append(Finding("shape_output", "error",
                                     f"The model's output '{_name(tensor)}' has shape {_fmt(expected)} but the "
                                     f"targets have {_fmt(got)}.",
                                     f"Make the last layer produce {_fmt(got)} or choose other targets."))  # fmt: skip
    return found


def _fits(expected: tuple, got: tuple) -> bool:
    return len(expected) == len(got) and all(e is None or e == g for e, g in zip(expected, got))


# -- stateful models -----------------------------------------------------------------
def _stateful(model: Any, x: Any, settings: TrainingSettings) -> list[Finding]:
    if not any(getattr(layer, "stateful", False) for layer in _layers(model)):
        return []
    found = []
    if settings.shuffle:
        found.append(Finding("stateful_shuffle", "error",
                             "The model is stateful: each batch continues the sequences of the previous one, "
                             "and shuffling breaks that sample-to-sample correspondence.",
                             "Turn shuffle off.", "shuffle_off"))  # fmt: skip
    fixed = next((t.shape[0] for t in model.inputs if t.shape and t.shape[0] is not None), None)
    count = len(_first(x)) if _first(x) is not None else 0
    if fixed and count % fixed:
        found.append(Finding("stateful_batch", "error",
                             f"The stateful model has a fixed batch size of {fixed}, which does not divide the "
                             f"{count} samples: the last batch would be short.",
                             f"Use {count - count % fixed} samples (a multiple of {fixed}), or change the Input's "
                             "batch size to a divisor of the sample count."))  # fmt: skip
    elif fixed and settings.batch_size not in (None, fixed):
        found.append(Finding("stateful_batch", "warning",
                             f"The stateful model trains with its fixed batch size {fixed}, not "
                             f"{settings.batch_size}.", f"Set the batch size to {fixed}.",
                             f"batch_size:{fixed}"))  # fmt: skip
    return found


# -- trainable flags -----------------------------------------------------------------------
def _trainable_changes(model: Any) -> list[Finding]:
    compiled = getattr(model, "_compiled_trainable", None)
    if compiled is None or not getattr(model, "compiled", False):
        return []
    before, now = {id(w) for w in compiled}, {id(w) for w in model.trainable_weights}
    if before == now:
        return []
    frozen = [layer.name for layer in model.layers if any(id(w) in before - now for w in layer.weights)]
    thawed = [layer.name for layer in model.layers if any(id(w) in now - before for w in layer.weights)]
    parts = ([f"frozen: {', '.join(frozen)}"] if frozen else []) + (
        [f"unfrozen: {', '.join(thawed)}"] if thawed else []
    )
    return [Finding("trainable_changed", "info",
                    f"Layers changed since the last compile ({'; '.join(parts)}). In Keras a change of `trainable` "
                    "only takes effect at the next compile(); training here recompiles, so it takes effect now.",
                    "Recompile (keeps the optimizer state).", "recompile")]  # fmt: skip


def _frozen_batch_norm(model: Any) -> list[Finding]:
    found = []
    for layer in _layers(model):
        if type(layer).__name__ == "BatchNormalization" and not layer.trainable:
            found.append(Finding("frozen_batch_norm", "info",
                                 f"BatchNormalization '{layer.name}' is frozen: it runs in inference mode, "
                                 "normalizing with its stored moving mean and variance, which stay fixed during "
                                 "training (Keras 2.1.3+ semantics, what fine-tuning needs).",
                                 "Unfreeze it if its statistics should adapt to the new data."))  # fmt: skip
    return found


# -- loss vs outputs and targets ---------------------------------------------------------------------
def _loss_fit(model: Any, y: Any, labels: Any) -> list[Finding]:
    outputs = list(getattr(model, "outputs", None) or [])
    if len(outputs) != 1 or labels is None:
        return []
    loss = _loss_name(getattr(model, "_compile_args", {}).get("loss"))
    units = outputs[0].shape[-1]
    activation = _activation(outputs[0])
    target = y[0] if isinstance(y, list | tuple) else y
    shape = tuple(getattr(target, "shape", ())[1:])
    found: list[Finding] = []
    integer_labels = shape in ((), (1,)) and numpy.all(numpy.equal(numpy.mod(labels, 1), 0))
    if activation == "softmax" and loss in BINARY_LOSSES and units and units > 1:
        fix = "sparse_categorical_crossentropy" if integer_labels else "categorical_crossentropy"
        found.append(Finding("loss_output_mismatch", "warning",
                             f"The output is a {units}-way softmax but the loss is binary_crossentropy, which treats "
                             "each unit as an independent yes/no and reports a misleadingly high accuracy.",
                             f"Use {fix}.", f"loss:{fix}"))  # fmt: skip
    if loss in SPARSE_LOSSES and shape == (units,) and units and units > 1 and _is_one_hot(labels):
        found.append(Finding("loss_targets_one_hot", "error",
                             "The targets are one-hot vectors but the loss is sparse_categorical_crossentropy, "
                             "which expects integer class indices.",
                             "Use categorical_crossentropy.", "loss:categorical_crossentropy"))  # fmt: skip
    if loss in ONE_HOT_LOSSES and integer_labels and units and units > 1:
        found.append(Finding("loss_targets_sparse", "error",
                             "The targets are integer class indices but the loss is categorical_crossentropy, "
                             "which expects one-hot vectors.",
                             "Use sparse_categorical_crossentropy.",
                             "loss:sparse_categorical_crossentropy"))  # fmt: skip
    if loss in SPARSE_LOSSES and integer_labels and units and labels.size:
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= units:
            found.append(Finding("targets_out_of_range", "error",
                                 f"The class labels run from {low} to {high} but the output has {units} unit(s), "
                                 f"so only labels 0..{units - 1} are valid.",
                                 f"Give the last layer {high + 1} units, or relabel the data."))  # fmt: skip
    if loss in BINARY_LOSSES and labels.size and (labels.min() < 0 or labels.max() > 1):
        found.append(Finding("targets_out_of_range", "error",
                             f"binary_crossentropy needs targets in [0, 1]; these run from {labels.min():g} to "
                             f"{labels.max():g}.",
                             "Scale the targets to [0, 1] or use a regression loss."))  # fmt: skip
    return found


# -- validation split -----------------------------------------------------------------------------
def _validation_split(labels: Any, settings: TrainingSettings) -> list[Finding]:
    fraction = float(settings.validation_split or 0.0)
    if labels is None or not 0.0 < fraction < 1.0 or len(labels) < 4:
        return []
    classes = _classes(labels)
    if classes is None:
        return []
    split_at = int(len(classes) * (1.0 - fraction))
    head, tail = classes[:split_at], classes[split_at:]
    if not len(head) or not len(tail):
        return []
    values = numpy.unique(classes)
    if len(values) < 2:
        return []
    tail_values = numpy.unique(tail)
    fix = "Shuffle the data once before splitting."
    if len(tail_values) == 1:
        return [Finding("validation_one_class", "warning",
                        f"validation_split takes the last {fraction:.0%} of the samples before any shuffling, and "
                        f"they all belong to class {tail_values[0]}: validation figures would say little.",
                        fix, "shuffle_once")]  # fmt: skip
    share_head = numpy.array([numpy.mean(head == v) for v in values])
    share_tail = numpy.array([numpy.mean(tail == v) for v in values])
    distance = 0.5 * float(numpy.abs(share_head - share_tail).sum())
    if distance > MIX_DISTANCE:
        return [Finding("validation_class_mix", "warning",
                        f"The validation tail (the last {fraction:.0%}, taken before shuffling) has a very "
                        f"different class mix from the training part ({distance:.0%} of the samples would have to "
                        "change class to match).", fix, "shuffle_once")]  # fmt: skip
    return []


# -- helpers -------------------------------------------------------------------------------------
def _labels(y: Any) -> Any:
    target = y[0] if isinstance(y, list | tuple) and y else y
    if target is None or not hasattr(target, "shape"):
        return None
    try:
        rows = min(len(target), _SAMPLE_ROWS) if not isinstance(target, numpy.ndarray) else len(target)
        return numpy.asarray(target[:rows])
    except Exception:  # noqa: BLE001 - unreadable targets are fit()'s to report
        return None


def _classes(labels: Any) -> Any:
    if labels.ndim == 1 or (labels.ndim == 2 and labels.shape[1] == 1):
        flat = labels.reshape(-1)
        if flat.dtype.kind in "iub" or numpy.all(numpy.mod(flat, 1) == 0):
            return flat.astype("int64")
        return None
    if labels.ndim == 2 and _is_one_hot(labels):
        return labels.argmax(axis=1)
    return None


def _is_one_hot(labels: Any) -> bool:
    return (
        labels.ndim == 2 and bool(numpy.all((labels == 0) | (labels == 1))) and bool(numpy.all(labels.sum(axis=1) == 1))
    )


def _loss_name(loss: Any) -> str:
    if isinstance(loss, list | tuple) and len(loss) == 1:
        loss = loss[0]
    if isinstance(loss, str):
        return loss.lower()
    if isinstance(loss, dict):
        return str(loss.get("class_name", "")).lower()
    name = getattr(loss, "__name__", None) or type(loss).__name__
    return "".join(c for c in str(name).lower() if c.isalnum() or c == "_")


def _activation(tensor: Any) -> str:
    from engine import activations

    layer = tensor._keras_history[0]
    fn = getattr(layer, "activation", None)
    if fn is None:
        return type(layer).__name__.lower() if type(layer).__name__ in ("Softmax",) else ""
    try:
        return str(activations.serialize(fn))
    except Exception:  # noqa: BLE001 - a custom activation
        return getattr(fn, "__name__", "")


def _layers(model: Any) -> list[Any]:
    found = []
    for layer in getattr(model, "layers", []):
        found.append(layer)
        if hasattr(layer, "layers") and layer is not model:
            found.extend(_layers(layer))
    return found


def _first(x: Any) -> Any:
    return x[0] if isinstance(x, list | tuple) else x


def _take(value: Any, order: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [numpy.asarray(v)[order] for v in value]
    return numpy.asarray(value)[order]


def _name(tensor: Any) -> str:
    layer = tensor._keras_history[0] if getattr(tensor, "_keras_history", None) else None
    return getattr(layer, "name", "?")


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
