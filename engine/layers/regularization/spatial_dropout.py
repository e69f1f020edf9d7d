"""SpatialDropout1D/2D/3D: dropout of whole feature maps (channels) rather than single values."""

from __future__ import annotations

from typing import Any

from engine.backend import standardize_data_format
from engine.layers.core.dropout import Dropout
from engine.layers.input_spec import InputSpec


class _SpatialDropout(Dropout):
    """Drops entire channels in training: the mask is shared across the spatial axes.

    Adjacent pixels of a convolutional feature map are strongly correlated, so
    element-wise dropout barely regularizes them; dropping whole maps does.
    """

    rank = 2

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs: Any) -> None:
        kwargs.pop("noise_shape", None)  # Keras 2 configs carry it; the shape is always derived
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = "channels_last" if self.rank == 1 else standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs: Any) -> tuple:
        shape = inputs.shape
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + (1,) * self.rank
        return (shape[0],) + (1,) * self.rank + (shape[-1],)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config()}
        config.pop("noise_shape", None)
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Spatial dropout for ``(batch, steps, channels)`` inputs."""

    rank = 1

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Spatial dropout for image batches (``channels_last`` or ``channels_first``)."""

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Spatial dropout for volume batches (``channels_last`` or ``channels_first``)."""

    rank = 3
