"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D."""

from engine.layers.convolutional.conv1d import Conv1D
from engine.layers.convolutional.conv2d import Conv2D
from engine.layers.convolutional.conv2d_transpose import Conv2DTranspose
from engine.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from engine.layers.convolutional.separable_conv2d import SeparableConv2D

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D"]
