"""Tensors and variables: arrays that remember how they were computed.

A ``Tensor`` wraps one backend array (``.data``). Arithmetic operators and
engine ops on tensors record themselves on the tape (see ``tape.py``), so a
user layer written with ordinary operators gets correct gradients for free.
A ``Variable`` is a named, trainable leaf: a layer weight.
"""

from __future__ import annotations

from typing import Any

from engine.backend import _state, xp


class Tensor:
    """An array plus the op that produced it (when a gradient may flow through it)."""

    __slots__ = ("data", "requires_grad", "_parents", "_backward", "_keras_mask", "_keras_logits", "__weakref__")
    __array_priority__ = 1000  # make numpy defer to our reflected operators

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if _state._backend_name != "numpy" and isinstance(data, _state.HOST_ARRAY):
            data = _state._array_module.asarray(data)  # a host array handed in (user code, tests): moved once
        self.data = data
        self.requires_grad = requires_grad
        self._parents: tuple[Tensor, ...] = ()
        self._backward = None
        self._keras_mask = None
        self._keras_logits = None

    # -- array-like facts -------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> Any:
        """The value as a host NumPy array."""
        from engine.backend import to_numpy  # noqa: PLC0415

        return to_numpy(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} shape={self.shape} dtype={self.dtype}>"

    def __float__(self) -> float:
        return float(self.data)

    # -- operators (recorded on the tape) --------------------------------
    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.multiply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.divide(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.power(other, self)

    def __neg__(self) -> Tensor:
        return _ops.negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # Comparisons give plain boolean tensors (no gradient).
    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self.data < as_array(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self.data <= as_array(other))

    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self.data > as_array(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self.data >= as_array(other))

    __hash__ = object.__hash__

    # -- convenience methods mirroring array methods ------------------------
    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    @property
    def T(self) -> Tensor:  # noqa: N802 - mirrors ndarray.T
        return _ops.transpose(self)


class Variable(Tensor):
    """A named weight: a leaf tensor that optimizers update in place.

    ``trainable`` says whether the variable is meant to be trained; whether a
    gradient is actually computed is decided when a model is compiled (the
    Keras FAQ's freezing semantics).
    """

    __slots__ = ("name", "trainable", "regularizer", "constraint", "path")

    def __init__(
        self,
        data: Any,
        name: str = "variable",
        trainable: bool = True,
        regularizer: Any = None,
        constraint: Any = None,
    ) -> None:
        super().__init__(data, requires_grad=False)
        self.name = name
        self.trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint
        self.path = name

    def assign(self, value: Any) -> None:
        """Overwrite the value in place, checking the shape."""
        array = as_array(value, dtype=self.data.dtype)
        if tuple(array.shape) != tuple(self.data.shape):
            from engine.errors import ShapeError  # noqa: PLC0415

            raise ShapeError(
                f"Cannot assign a value of shape {tuple(array.shape)} to variable '{self.path}' "
                f"of shape {tuple(self.data.shape)}."
            )
        self.data[...] = array

    def __repr__(self) -> str:
        return f"<Variable '{self.path}' shape={self.shape} dtype={self.dtype}>"


def as_array(value: Any, dtype: Any = None) -> Any:
    """The backend array behind ``value`` (a Tensor, array, or Python number)."""
    if isinstance(value, Tensor):
        value = value.data
    module = _state.array_module()
    if dtype is None and isinstance(value, float):
        dtype = _state.floatx()
    if isinstance(value, module.ndarray):
        return value if dtype is None or value.dtype == dtype else value.astype(dtype)
    return module.asarray(value, dtype=dtype)


def as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a Tensor; tensors pass through unchanged."""
    if isinstance(value, Tensor) and (dtype is None or value.data.dtype == dtype):
        return value
    return Tensor(as_array(value, dtype))


_ = xp
# The operator methods dispatch to the op library, which imports this module;
# ``engine.ops`` fills this slot in when it is imported (see ``engine.autograd``).
_ops: Any = None
