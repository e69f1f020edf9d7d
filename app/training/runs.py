"""The runs of a session: each keeps its settings, per-epoch history, batch losses and markers. Qt-free."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class RunRecord:
    """One training run as the Runs panel lists it."""

    number: int
    model_name: str
    dataset: str
    settings: dict[str, Any]
    compile_args: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    batch_losses: list[float] = field(default_factory=list)
    markers: list[dict[str, Any]] = field(default_factory=list)
    steps_per_epoch: int = 1
    reason: str = "running"
    elapsed_s: float = 0.0

    @property
    def label(self) -> str:
        return f"Run {self.number}"

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    def best(self, key: str = "val_loss") -> float | None:
        values = self.history.get(key) or self.history.get("loss")
        return min(values) if values else None

    def summary(self) -> str:
        """Settings in a few words, for the runs table."""
        s, c = self.settings, self.compile_args
        lr = c.get("learning_rate")
        parts = [str(c.get("optimizer", "")), f"lr {lr:g}" if isinstance(lr, float) else "",
                 f"batch {s.get('batch_size')}", f"val {s.get('validation_split', 0):g}"]  # fmt: skip
        if s.get("early_stopping"):
            parts.append("early stop")
        return ", ".join(p for p in parts if p)

    def write_csv(self, path: str | Path) -> None:
        """Per-epoch history, one row per epoch, then the run's settings as comment lines."""
        keys = sorted(self.history)
        with Path(path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["epoch", *keys])
            for i in range(self.epochs_run):
                writer.writerow([i + 1, *(self.history[k][i] if i < len(self.history[k]) else "" for k in keys)])
            for marker in self.markers:
                writer.writerow([f"# marker at step {marker['global_step']}: {marker['text']}"])
