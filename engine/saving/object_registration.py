"""One registry that maps ``class_name`` strings in configs to Python objects.

Built-in layers, losses, optimizers... register themselves; users register
their own classes with ``register_serializable`` or pass ``custom_objects``
(directly or through ``CustomObjectScope``). Nothing is ever imported or
executed because a file names it: an unknown name is an error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_BUILTINS: dict[str, dict[str, Any]] = {}


class _ScopeStack(threading.local):
    def __init__(self) -> None:
        self.stack: list[dict[str, Any]] = []


_scopes = _ScopeStack()


class CustomObjectScope:
    """``with CustomObjectScope({'MyLayer': MyLayer}):`` makes the names resolvable inside."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects: dict[str, Any] = {}
        for mapping in objects:
            self.objects.update(mapping or {})

    def __enter__(self) -> CustomObjectScope:
        _scopes.stack.append(self.objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope


def register_serializable(package: str = "Custom", name: str | None = None) -> Callable[[Any], Any]:
    """Class/function decorator that makes a user object loadable by name."""

    def decorator(obj: Any) -> Any:
        class_name = name or obj.__name__
        key = f"{package}>{class_name}"
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        _GLOBAL_CUSTOM_OBJECTS[class_name] = obj
        obj._registered_name = key
        return obj

    return decorator


def register_builtin(kind: str, name: str, obj: Any) -> None:
    """Register an engine object of ``kind`` ('layer', 'loss', 'optimizer', ...)."""
    _BUILTINS.setdefault(kind, {})[name] = obj


def builtins_of(kind: str) -> dict[str, Any]:
    return dict(_BUILTINS.get(kind, {}))


def get_custom_objects() -> dict[str, Any]:
    """The global dict of registered user objects (mutable, like Keras's)."""
    return _GLOBAL_CUSTOM_OBJECTS


def lookup(name: str, kind: str, custom_objects: dict[str, Any] | None = None) -> Any:
    """The object registered under ``name`` for ``kind``, or None."""
    candidates = [name]
    if ">" in name:
        candidates.append(name.split(">", 1)[1])
    for key in candidates:
        if custom_objects and key in custom_objects:
            return custom_objects[key]
        for scope in reversed(_scopes.stack):
            if key in scope:
                return scope[key]
        if key in _GLOBAL_CUSTOM_OBJECTS:
            return _GLOBAL_CUSTOM_OBJECTS[key]
        found = _BUILTINS.get(kind, {}).get(key)
        if found is not None:
            return found
    return None
