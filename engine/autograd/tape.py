"""The tape: how ops record themselves, and the backward pass that replays them.

An op computes its result eagerly, then calls ``record(result, parents,
backward)``. When gradients are being recorded and a parent requires them, the
result remembers its parents and a ``backward(grad_out) -> grads`` closure
(one entry per parent, ``None`` where no gradient is needed). Nothing is kept
otherwise, so inference pays no memory for the graph.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from engine.autograd.tensor import Tensor
from engine.backend import devices as _devices

Backward = Callable[[Any], Sequence[Any]]


class _GradMode(threading.local):
    enabled = True


_mode = _GradMode()


def is_grad_enabled() -> bool:
    return _mode.enabled


def set_grad_enabled(enabled: bool) -> None:
    _mode.enabled = bool(enabled)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Run ops without recording them (inference, metrics, optimizer updates)."""
    previous = _mode.enabled
    _mode.enabled = False
    try:
        yield
    finally:
        _mode.enabled = previous


def record(data: Any, parents: tuple[Tensor, ...], backward: Backward) -> Tensor:
    """Wrap an op's result, linking it to its parents when a gradient may flow."""
    out = Tensor(data)
    if _mode.enabled:
        for parent in parents:
            if parent.requires_grad:
                out.requires_grad = True
                out._parents = parents
                out._backward = backward
                break
    return out


def _topological_order(root: Tensor) -> list[Tensor]:
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def gradients(root: Tensor, sources: Sequence[Tensor], seed: Any = None) -> list[Any]:
    """d(root)/d(source) for each source, as arrays (``None`` where unconnected).

    ``seed`` is the gradient flowing into ``root`` (ones when omitted, so a
    scalar loss needs none). Intermediate gradients are released as soon as
    they have been propagated, keeping the peak memory of the pass low.
    """
    if not root.requires_grad:
        return [None] * len(sources)
    xp = _array_module_of(root.data)
    if seed is not None and type(seed) is not type(root.data):
        seed = xp.asarray(seed)  # e.g. a NumPy seed for a CuPy result
    grads: dict[int, Any] = {id(root): xp.ones_like(root.data) if seed is None else seed}
    placed = _devices.placement_used()  # layers on several devices: run each backward where its forward ran
    wanted = {id(source) for source in sources}
    kept: dict[int, Any] = {}
    for node in reversed(_topological_order(root)):
        grad = grads.pop(id(node), None)
        if grad is None:
            continue
        if id(node) in wanted:
            kept[id(node)] = grad
        if node._backward is None:
            continue
        if placed:
            with _devices.scope_of(node.data):
                parent_grads = node._backward(grad)
        else:
            parent_grads = node._backward(grad)
        for parent, parent_grad in zip(node._parents, parent_grads):
            if parent_grad is None or not parent.requires_grad:
                continue
            key = id(parent)
            existing = grads.get(key)
            if existing is None:
                grads[key] = parent_grad
            else:
                grads[key] = existing + parent_grad
    return [kept.get(id(source)) for source in sources]


def _array_module_of(array: Any) -> Any:
    from engine.backend import get_array_module  # noqa: PLC0415 - avoid an import cycle

    return get_array_module(array)
