"""Turn Keras 2 (tf_keras and legacy optimizer_v2) optimizer configs into Keras 3 constructor arguments."""

from __future__ import annotations

from typing import Any

from engine.optimizers.schedules import InverseTimeDecay

# Keys Keras 2 writes that have no meaning here (compilation flags, removed arguments).
_IGNORED_KEYS = ("jit_compile", "is_legacy_optimizer", "schedule_decay", "use_locking")


def normalize_config(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` that Keras 3 optimizer constructors accept.

    * ``lr`` (Keras 1 / early Keras 2) becomes ``learning_rate``;
    * compilation flags (``jit_compile``, ``is_legacy_optimizer``) are dropped;
    * a legacy time-based ``decay`` > 0 becomes the equivalent ``InverseTimeDecay(lr, 1, decay)`` schedule
      (optimizer_v2 used ``lr / (1 + decay * iterations)``); ``decay=0`` is dropped.
    """
    config = dict(config)
    if "lr" in config:
        lr = config.pop("lr")
        config.setdefault("learning_rate", lr)
    for key in _IGNORED_KEYS:
        config.pop(key, None)
    decay = config.pop("decay", None)
    if decay and isinstance(config.get("learning_rate"), (int, float)):
        config["learning_rate"] = InverseTimeDecay(
            initial_learning_rate=float(config["learning_rate"]), decay_steps=1, decay_rate=float(decay)
        )
    return config
