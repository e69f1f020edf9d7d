"""What ``compile()`` turns losses, loss weights and metrics into, per model output."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.autograd import Tensor, as_array
from engine.errors import ConfigError


def _per_output(spec: Any, names: list[str], what: str) -> list[Any]:
    """Spread a single value, a list or a dict keyed by output name over the outputs."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ConfigError(f"{what} names unknown outputs {sorted(unknown)}; the model's outputs are {names}.")
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1:
        if len(spec) != len(names):
            raise ConfigError(f"{what} has {len(spec)} entries but the model has {len(names)} outputs ({names}).")
        return list(spec)
    if isinstance(spec, (list, tuple)) and len(names) == 1 and what == "loss":
        if len(spec) != 1:
            raise ConfigError(f"loss has {len(spec)} entries but the model has 1 output.")
        return list(spec)
    return [spec] * len(names)


def reduce_loss(per_sample: Tensor, sample_weight: Any) -> Tensor:
    """Keras's 'sum_over_batch_size': sum(loss * weight) / number of loss elements."""
    if sample_weight is not None:
        weight = as_array(sample_weight, dtype=per_sample.dtype)
        while weight.ndim < per_sample.ndim:
            weight = weight.reshape(weight.shape + (1,))
        per_sample = ops.multiply(per_sample, weight)
    count = 1
    for d in per_sample.shape:
        count *= d
    return ops.sum(per_sample) / max(count, 1)


class LossContainer:
    """The compiled losses: one (or none) per output, with loss weights."""

    def __init__(self, loss: Any, loss_weights: Any, output_names: list[str]) -> None:
        from engine import losses  # noqa: PLC0415

        self.output_names = output_names
        specs = _per_output(loss, output_names, "loss")
        self.losses = [None if s is None else losses.get(s) for s in specs]
        if all(fn is None for fn in self.losses):
            raise ConfigError("compile() needs a loss, e.g. loss='mse' or loss='categorical_crossentropy'.")
        weights = _per_output(loss_weights if loss_weights is not None else 1.0, output_names, "loss_weights")
        self.weights = [1.0 if w is None else float(w) for w in weights]

    def __call__(self, y_true: list[Any], y_pred: list[Tensor], sample_weight: list[Any]) -> tuple[Tensor, list[float]]:
        total = None
        per_output = []
        for fn, weight, truth, pred, sw in zip(self.losses, self.weights, y_true, y_pred, sample_weight):
            if fn is None:
                per_output.append(None)
                continue
            if truth is None:
                raise ConfigError("Training needs targets (y) for every output that has a loss.")
            value = _apply_loss(fn, truth, pred, sw)
            per_output.append(value)
            term = value * weight if weight != 1.0 else value
            total = term if total is None else total + term
        return total, per_output

    def names(self) -> list[str]:
        if len(self.output_names) == 1:
            return []
        return [f"{n}_loss" for n, fn in zip(self.output_names, self.losses) if fn is not None]


def _apply_loss(fn: Any, y_true: Any, y_pred: Tensor, sample_weight: Any) -> Tensor:
    from engine.losses import Loss  # noqa: PLC0415

    if isinstance(fn, Loss):
        return fn(y_true, y_pred, sample_weight=sample_weight)
    return reduce_loss(fn(y_true, y_pred), sample_weight)


class MetricsContainer:
    """The compiled metrics, named like Keras ('accuracy', or 'out_accuracy' per output)."""

    def __init__(self, metrics: Any, weighted_metrics: Any, loss: LossContainer, output_shapes: list[Any]) -> None:
        from engine import metrics as metrics_module  # noqa: PLC0415

        names = loss.output_names
        self.entries: list[tuple[int, Any, bool]] = []  # (output index, metric, weighted)
        for spec, weighted in ((metrics, False), (weighted_metrics, True)):
            if spec is None:
                continue
            if isinstance(spec, dict):
                per_output = _per_output(spec, names, "metrics")
            elif isinstance(spec, (list, tuple)) and len(names) > 1 and all(isinstance(s, (list, tuple)) for s in spec):
                per_output = list(spec)
            else:
                per_output = [spec] * len(names)
            for index, output_spec in enumerate(per_output):
                if output_spec is None:
                    continue
                items = output_spec if isinstance(output_spec, (list, tuple)) else [output_spec]
                for item in items:
                    metric = metrics_module.resolve(item, loss.losses[index], output_shapes[index])
                    if len(names) > 1:
                        metric.name = f"{names[index]}_{metric.name}"
                    if weighted:
                        metric.name = (
                            f"weighted_{metric.name}" if not metric.name.startswith("weighted_") else metric.name
                        )
                    self.entries.append((index, metric, weighted))

    def update(self, y_true: list[Any], y_pred: list[Any], sample_weight: list[Any]) -> None:
        for index, metric, weighted in self.entries:
            if y_true[index] is None:
                continue
            metric.update_state(y_true[index], y_pred[index], sample_weight[index] if weighted else None)

    def reset(self) -> None:
        for _, metric, _ in self.entries:
            metric.reset_state()

    def results(self) -> dict[str, float]:
        return {metric.name: float(metric.result()) for _, metric, _ in self.entries}
