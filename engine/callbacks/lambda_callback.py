"""LambdaCallback: a callback assembled from plain functions, for one-off hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.callbacks.base import Callback
from engine.errors import ConfigError

_HOOKS = frozenset(name for name in vars(Callback) if name.startswith("on_") and callable(getattr(Callback, name)))


class LambdaCallback(Callback):
    """Run the given functions at the matching hooks.

    ``on_epoch_begin`` / ``on_epoch_end`` receive ``(epoch, logs)``; ``on_train_begin`` /
    ``on_train_end`` (and the test and predict begin/end hooks) receive ``(logs)``; the batch hooks
    receive ``(batch, logs)``. Any other hook of :class:`Callback` can be passed by name, e.g.
    ``on_test_batch_end=fn``. ``on_batch_begin`` / ``on_batch_end`` fire on training batches.
    """

    def __init__(  # noqa: PLR0917 - Keras 2's positional signature
        self,
        on_epoch_begin: Callable[..., Any] | None = None,
        on_epoch_end: Callable[..., Any] | None = None,
        on_batch_begin: Callable[..., Any] | None = None,
        on_batch_end: Callable[..., Any] | None = None,
        on_train_begin: Callable[..., Any] | None = None,
        on_train_end: Callable[..., Any] | None = None,
        **kwargs: Callable[..., Any] | None,
    ) -> None:
        super().__init__()
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_batch_begin": on_batch_begin,
            "on_batch_end": on_batch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            **kwargs,
        }
        for name, function in hooks.items():
            if name not in _HOOKS:
                raise ConfigError(f"LambdaCallback got unknown hook {name!r}; known hooks are {sorted(_HOOKS)}")
            if function is None:
                continue
            if not callable(function):
                raise ConfigError(f"LambdaCallback expects {name} to be callable, received {function!r}")
            # An instance attribute shadows the method, so the function replaces the hook.
            setattr(self, name, _positional(function, 2 if ("epoch" in name or "batch" in name) else 1))


def _positional(function: Callable[..., Any], arity: int) -> Callable[..., Any]:
    """Adapt ``function`` so it always gets its arguments positionally, whatever names it uses.

    Hooks are called as ``hook(epoch, logs)``, ``hook(batch, logs=logs)`` or ``hook(logs)``; a
    user's ``lambda b, l: ...`` must work with each.
    """

    def hook(*args: Any, logs: Any = None) -> Any:
        if len(args) < arity:
            args = (*args, logs)
        return function(*args)

    hook.__wrapped__ = function  # type: ignore[attr-defined]
    return hook
