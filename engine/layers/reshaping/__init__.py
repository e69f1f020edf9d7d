"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector and the 2D padding, cropping and upsampling."""

from engine.layers.reshaping.cropping2d import Cropping2D
from engine.layers.reshaping.flatten import Flatten
from engine.layers.reshaping.permute import Permute
from engine.layers.reshaping.repeat_vector import RepeatVector
from engine.layers.reshaping.reshape import Reshape
from engine.layers.reshaping.up_sampling2d import UpSampling2D
from engine.layers.reshaping.zero_padding2d import ZeroPadding2D

__all__ = ["Cropping2D", "Flatten", "Permute", "RepeatVector", "Reshape", "UpSampling2D", "ZeroPadding2D"]
