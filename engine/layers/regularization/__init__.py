"""Regularization layers: spatial dropout, Gaussian noise and dropout, activity regularization."""

from engine.layers.regularization.activity_regularization import ActivityRegularization
from engine.layers.regularization.gaussian_dropout import GaussianDropout
from engine.layers.regularization.gaussian_noise import GaussianNoise
from engine.layers.regularization.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D

__all__ = [
    "ActivityRegularization",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]
