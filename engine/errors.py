"""The engine's own exception classes.

Every user mistake the engine can detect is raised as one of these, with a
message that names the layer, file or field, what was expected and what was
received.
"""


class StrataError(Exception):
    """Base class of every error the engine raises on purpose."""


class ConfigError(StrataError, ValueError):
    """An invalid setting: unknown name, out-of-range value, bad combination."""


class ShapeError(StrataError, ValueError):
    """Tensors whose shapes do not fit the layer or model they are given to."""


class GraphError(StrataError, ValueError):
    """A functional model whose inputs and outputs do not form a valid graph."""


class NotBuiltError(StrataError, RuntimeError):
    """An operation that needs a built model or layer was called too early."""


class DataError(StrataError, ValueError):
    """Training or prediction data that cannot be used as given."""


class ModelFileError(StrataError, ValueError):
    """A model or weights file that cannot be read or written."""
