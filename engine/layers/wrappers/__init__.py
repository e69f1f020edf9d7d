"""Wrapper layers: Bidirectional and TimeDistributed."""

from engine.layers.wrappers.bidirectional import Bidirectional
from engine.layers.wrappers.time_distributed import TimeDistributed

__all__ = ["Bidirectional", "TimeDistributed"]
