"""Keras's application architectures (the FAQ's pre-trained models), with Keras's layer names.

``weights="imagenet"`` loads Keras's published weight file from ``<strata home>/models/``
(Strata never downloads); ``weights=None`` initialises randomly; a path loads that file by name.
"""

from engine.applications import (  # the per-family modules, as keras.applications.<family>
    densenet,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    nasnet,
    resnet,
    resnet_v2,
    vgg,
    xception,
)
from engine.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from engine.applications.inception_resnet_v2 import InceptionResNetV2
from engine.applications.inception_v3 import InceptionV3
from engine.applications.mobilenet import MobileNet
from engine.applications.mobilenet_v2 import MobileNetV2
from engine.applications.nasnet import NASNetLarge, NASNetMobile
from engine.applications.resnet import ResNet50, ResNet101, ResNet152
from engine.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from engine.applications.vgg import VGG16, VGG19
from engine.applications.xception import Xception

__all__ = [
    "densenet",
    "imagenet_utils",
    "inception_resnet_v2",
    "inception_v3",
    "mobilenet",
    "mobilenet_v2",
    "nasnet",
    "resnet",
    "resnet_v2",
    "vgg",
    "xception",
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "NASNetLarge",
    "NASNetMobile",
    "ResNet50",
    "ResNet101",
    "ResNet152",
    "ResNet50V2",
    "ResNet101V2",
    "ResNet152V2",
    "VGG16",
    "VGG19",
    "Xception",
]
