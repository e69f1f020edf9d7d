"""``backend.function``: evaluate any symbolic tensors of a model as a plain callable.

The Keras FAQ's way to read intermediate outputs::

    get_3rd_layer_output = backend.function([model.input], [model.layers[3].output])
    layer_output = get_3rd_layer_output([x])[0]

Dropout and BatchNormalization behave differently in training; pass
``backend.learning_phase()`` as an extra input (0 = test, 1 = train), or call
the function with ``training=True``.
"""

from __future__ import annotations

from typing import Any


class _LearningPhase:
    """The placeholder for the train/test flag among a function's inputs."""

    def __repr__(self) -> str:
        return "<learning phase>"


_LEARNING_PHASE = _LearningPhase()


def learning_phase() -> _LearningPhase:
    return _LEARNING_PHASE


class Function:
    """A compiled view of symbolic ``inputs`` -> ``outputs``; call it with arrays."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None) -> None:
        from engine.models.functional import Model  # noqa: PLC0415 - models build on the backend

        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._phase_index = next((i for i, t in enumerate(inputs) if t is _LEARNING_PHASE), None)
        symbolic = [t for t in inputs if t is not _LEARNING_PHASE]
        self._single_output = not isinstance(outputs, (list, tuple))
        outputs = [outputs] if self._single_output else list(outputs)
        self._model = Model(inputs=symbolic, outputs=outputs, name=name or "function")

    def __call__(self, values: Any, training: bool | None = None) -> list[Any]:
        from engine.autograd import no_grad  # noqa: PLC0415
        from engine.backend._xp import to_numpy  # noqa: PLC0415

        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if self._phase_index is not None:
            phase = values.pop(self._phase_index)
            if training is None:
                training = bool(phase)
        with no_grad():
            result = self._model(values if len(values) > 1 else values[0], training=bool(training))
        result = result if isinstance(result, list) else [result]
        return [to_numpy(r.data) for r in result]


def function(inputs: Any, outputs: Any, updates: Any = None, name: str | None = None, **kwargs: Any) -> Function:
    """A callable that computes ``outputs`` from values for ``inputs`` (Keras's ``K.function``)."""
    return Function(inputs, outputs, name=name)
