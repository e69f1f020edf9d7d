"""activation_layers layers."""

__all__: list[str] = []
