"""The training dashboard's checks: preflight findings for the design, the data and the settings together.

Checking is its own concern, re-run whenever the design, the data or the form changes, and it owns the
compile-from-the-form step that both the checks and a run's start need. ``DashboardChecks`` is a mixin of
``TrainingDashboard``, so ``run_checks`` and ``apply_fix`` stay the dashboard's own slots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.training import preflight
from engine.training.session import TrainingSettings

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QPushButton, QTabWidget

    from app.training.data_panel import DataPanel
    from app.training.inspect_panel import InsidePanel
    from app.training.panels import ChecksPanel, LayersPanel, LogPanel
    from app.training.settings_form import SettingsForm


class DashboardChecks:
    """Runs the preflight checks and applies their fixes; mixed into ``TrainingDashboard``."""

    # What the dashboard provides (see app.training.dashboard_layout and app.training.dashboard).
    data_panel: DataPanel
    settings_form: SettingsForm
    checks: ChecksPanel
    layers_panel: LayersPanel
    inside: InsidePanel
    log: LogPanel
    left: QTabWidget
    train_button: QPushButton
    is_training: Callable[[], bool]
    current_model: Callable[[], Any]

    def run_checks(self) -> list[preflight.Finding]:
        if self.is_training():
            return self.checks.findings
        model = self.current_model()
        stateful = model._stateful_batch_size() if model is not None else None
        self.settings_form.set_stateful(stateful)
        if model is not None:
            self.layers_panel.set_layers([(layer.name, layer.trainable) for layer in model.layers if layer.weights])
            names = [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]
            self.inside.refresh(names, self.data_panel.data.samples if self.data_panel.data is not None else 0)
        data = self.data_panel.data
        if model is None or data is None:
            self.checks.set_findings([])
            self.checks.summary.setText("Choose data and a valid design to check them together.")
            return []
        self._compile_from_form(model)
        findings = self._findings(model, data, self.settings_form.settings())
        self.checks.set_findings(findings)
        shape_problems = [f.message for f in findings if f.code.startswith("shape")]
        self.data_panel.set_fit_message(shape_problems)
        blocking = sum(f.severity == "error" for f in findings)
        self.left.setTabText(2, f"Checks ({len(findings)})" if findings else "Checks")
        self.train_button.setToolTip("Fix the blocking checks first" if blocking else "Train in the background")
        return findings

    def _findings(self, model: Any, data: Any, settings: TrainingSettings) -> list[preflight.Finding]:
        """Preflight findings for the training data, and shape problems of a separate validation file."""
        validation = self.data_panel.validation
        if validation is None:
            return preflight.check(model, data.x, data.y, settings) + self._trainable_since_last_run(model)
        no_split = TrainingSettings.from_dict({**settings.to_dict(), "validation_split": 0.0})
        findings = preflight.check(model, data.x, data.y, no_split)
        for finding in preflight.check(model, validation.x, validation.y, no_split):
            if finding.code.startswith("shape"):
                findings.append(preflight.Finding(finding.code, finding.severity,
                                                  f"Validation file: {finding.message}", finding.fix))  # fmt: skip
        return findings + self._trainable_since_last_run(model)

    def _trainable_since_last_run(self, model: Any) -> list[preflight.Finding]:
        """Layers frozen or unfrozen in the design since the last run: say that they take effect now."""
        before = self._last_trainable
        now = {layer.name: layer.trainable for layer in model.layers if layer.weights}
        frozen = [n for n, t in now.items() if n in before and before[n] and not t]
        thawed = [n for n, t in now.items() if n in before and not before[n] and t]
        if not frozen and not thawed:
            return []
        parts = ([f"frozen: {', '.join(frozen)}"] if frozen else []) + (
            [f"unfrozen: {', '.join(thawed)}"] if thawed else []
        )
        message = (
            f"Layers changed since the last run ({'; '.join(parts)}). In Keras a change of `trainable` needs a new "
            "compile() to count; the next run compiles the model again, so the change takes effect now."
        )
        return [preflight.Finding("trainable_changed", "info", message)]

    _last_trainable: dict[str, bool] = {}  # noqa: RUF012 - replaced per instance at each run

    def _compile_from_form(self, model: Any) -> None:
        """Compile with the form's settings, unless the model already is (recompiling resets the optimizer)."""
        from engine import optimizers

        args = self.settings_form.compile_args()
        if getattr(model, "_strata_compile_args", None) == args:
            return
        model.compile(optimizers.deserialize(args["optimizer"]), args["loss"], metrics=args["metrics"])
        model._strata_compile_args = args

    def apply_fix(self, action: str) -> None:
        data, model = self.data_panel.data, self.current_model()
        if data is None or model is None:
            return
        settings = self.settings_form.settings()
        if action.startswith("loss:"):
            self.settings_form.loss.setCurrentText(action.split(":", 1)[1])
        else:
            data.x, data.y, settings = preflight.apply_fix(action, model, data.x, data.y, settings)
            self.settings_form.set_settings(settings)
        self.log.add("info", f"Applied fix: {action}")
        self.run_checks()
