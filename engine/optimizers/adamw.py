"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter)."""

from __future__ import annotations

from typing import Any

from engine.errors import ConfigError
from engine.optimizers.adam import Adam


class AdamW(Adam):
    """Adam whose ``weight_decay`` (default 0.004) shrinks the weights by ``w * wd * lr`` before each update."""

    _default_name = "adamw"

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004, **kwargs: Any) -> None:
        if weight_decay is None:
            raise ConfigError("Optimizer AdamW: argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)
