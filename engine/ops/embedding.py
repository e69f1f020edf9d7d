"""Embedding lookup: rows of a table gathered by integer ids, with a scatter-add backward."""

from __future__ import annotations

from typing import Any

from engine.autograd.tape import record
from engine.autograd.tensor import Tensor
from engine.backend import scatter_add, xp
from engine.ops._core import _wrap


def embedding_lookup(ids: Any, table: Any) -> Tensor:
    """``table[ids]`` for integer ``ids`` of any shape; the gradient flows to ``table`` only."""
    table = _wrap(table)
    index = ids.data if isinstance(ids, Tensor) else ids
    index = xp.asarray(index)
    if index.dtype.kind != "i":
        index = index.astype("int64")
    out = table.data[index]

    def backward(g):
        grad = xp.zeros_like(table.data)
        scatter_add(grad, index.reshape(-1), g.reshape(-1, table.data.shape[-1]))
        return (grad,)

    return record(out, (table,), backward)
