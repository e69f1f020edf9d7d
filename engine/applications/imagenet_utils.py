"""What every application shares: input-shape rules, weight files, preprocessing, decoding.

Strata never downloads: ``weights="imagenet"`` looks for Keras's published file
under ``<strata home>/models/`` by Keras's own file name, so a file fetched once
(from Keras's release page or a Keras cache, ``~/.keras/models``) is placed there by hand.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import ConfigError

CLASS_INDEX_FILE = "imagenet_class_index.json"
_class_index: dict[str, list[str]] | None = None


def models_dir() -> Path:
    """``<strata home>/models``: where pre-trained weight files and the class index are looked up."""
    from engine.backend import strata_home

    return strata_home() / "models"


def validate_weights(weights: Any, include_top: bool, classes: int, default_classes: int = 1000) -> None:
    """Keras's argument checks: weights is None, 'imagenet' or a path; ImageNet heads have 1000 classes."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ConfigError(
            "The `weights` argument should be either `None` (random initialization), `imagenet` "
            f"(pre-training on ImageNet), or the path to the weights file to be loaded; received {weights!r} "
            "(no such file)."
        )
    if weights == "imagenet" and include_top and classes != default_classes:
        raise ConfigError(
            f'If using `weights="imagenet"` with `include_top=True`, `classes` should be {default_classes}; '
            f"received classes={classes}."
        )


def obtain_input_shape(
    input_shape: Any,
    default_size: int,
    min_size: int,
    data_format: str,
    require_flatten: bool,
    weights: Any = None,
) -> tuple[int | None, ...]:
    """The model's input shape, validated as Keras's ``obtain_input_shape`` does."""
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if data_format == "channels_first" else input_shape[-1]
        if channels not in {1, 3}:
            default_shape = (channels, default_size, default_size)
        else:
            default_shape = (3, default_size, default_size)
        if data_format == "channels_last":
            default_shape = (default_size, default_size, default_shape[0])
    elif data_format == "channels_first":
        default_shape = (3, default_size, default_size)
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten and input_shape is not None:
        if tuple(input_shape) != default_shape:
            raise ConfigError(
                f"When setting `include_top=True` and loading `imagenet` weights, `input_shape` should be "
                f"{default_shape}; received input_shape={tuple(input_shape)}."
            )
        return default_shape
    if input_shape is None:
        if require_flatten:
            return default_shape
        return (3, None, None) if data_format == "channels_first" else (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ConfigError(f"`input_shape` must be a tuple of three integers; received input_shape={input_shape}.")
    channels, rows, cols = (
        (input_shape[0], input_shape[1], input_shape[2])
        if data_format == "channels_first"
        else (input_shape[2], input_shape[0], input_shape[1])
    )
    if weights == "imagenet" and channels != 3:
        raise ConfigError(
            f"The input must have 3 channels with `imagenet` weights; received input_shape={input_shape}."
        )
    if (rows is not None and rows < min_size) or (cols is not None and cols < min_size):
        raise ConfigError(f"Input size must be at least {min_size}x{min_size}; received input_shape={input_shape}.")
    if require_flatten and (rows is None or cols is None):
        raise ConfigError(
            f"If `include_top` is True, you should specify a static `input_shape`; received input_shape={input_shape}."
        )
    return input_shape


def make_input(input_shape: tuple, input_tensor: Any) -> tuple[Any, Any]:
    """(the image tensor the network starts from, the model's inputs), honouring ``input_tensor``."""
    from engine.layers import Input
    from engine.layers.node import KerasTensor

    if input_tensor is None:
        img_input = Input(shape=input_shape)
        return img_input, img_input
    if not isinstance(input_tensor, KerasTensor):
        raise ConfigError(
            f"input_tensor must be a symbolic tensor from engine.layers.Input (or a layer applied to one); "
            f"received {type(input_tensor).__name__}."
        )
    return input_tensor, source_inputs(input_tensor)


def source_inputs(tensor: Any) -> Any:
    """The Input tensors ``tensor`` was computed from (Keras's ``get_source_inputs``)."""
    found: list[Any] = []
    seen: set[int] = set()
    stack = [tensor]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        history = current._keras_history
        if history is None:
            found.append(current)
            continue
        node = current.node
        parents = list(getattr(node, "input_tensors", None) or [])
        if not parents:
            found.append(current)
        stack.extend(reversed(parents))
    return found[0] if len(found) == 1 else found


def finish(
    x: Any,
    inputs: Any,
    name: str,
    include_top: bool,
    pooling: str | None,
    classes: int,
    classifier_activation: Any,
    top: Any = None,
) -> Any:
    """Add the head (``top`` builds it) or the optional global pooling, and wrap a ``Model``."""
    from engine import layers
    from engine.models import Model

    if include_top:
        x = top(x) if top is not None else x
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    elif pooling is not None:
        raise ConfigError(f"Model '{name}': pooling must be None, 'avg' or 'max'; received {pooling!r}.")
    return Model(inputs, x, name=name)


def load_weights(model: Any, weights: Any, file_name: str | None, family: str) -> None:
    """Load ``weights`` (None, 'imagenet' or a path) into ``model`` by layer name."""
    if weights is None:
        return
    if weights == "imagenet":
        if file_name is None:
            raise ConfigError(f"{family}: no ImageNet weights are published for this configuration.")
        path = models_dir() / file_name
        if not path.exists():
            raise FileNotFoundError(
                f"{family}: ImageNet weights file not found. Strata does not download weights: place Keras's "
                f"published file '{file_name}' at '{path}' (it is the file Keras caches as "
                f"~/.keras/models/{file_name})."
            )
        weights = path
    model.load_weights(os.fspath(weights), by_name=True)


# -- preprocessing -----------------------------------------------------------
_CAFFE_MEAN = (103.939, 116.779, 123.68)
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x: Any, data_format: str | None = None, mode: str = "caffe") -> Any:
    """Keras's ImageNet preprocessing: 'caffe' (RGB->BGR, mean-centred), 'tf' ([-1, 1]) or 'torch'."""
    from engine.backend import standardize_data_format

    data_format = standardize_data_format(data_format)
    if mode not in {"caffe", "tf", "torch"}:
        raise ConfigError(f"preprocess_input: mode must be 'caffe', 'tf' or 'torch'; received {mode!r}.")
    x = np.array(x, dtype=np.float32 if not np.issubdtype(np.asarray(x).dtype, np.floating) else None, copy=True)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = x[:, ::-1, ...] if data_format == "channels_first" and x.ndim == 4 else x
        if data_format == "channels_first" and x.ndim == 3:
            x = x[::-1, ...]
        elif data_format == "channels_last":
            x = x[..., ::-1]
        x = np.ascontiguousarray(x)
        mean, std = _CAFFE_MEAN, None
    shape = (-1, 1, 1) if data_format == "channels_first" else (-1,)
    mean_arr = np.asarray(mean, dtype=x.dtype).reshape(shape)
    x -= mean_arr
    if std is not None:
        x /= np.asarray(std, dtype=x.dtype).reshape(shape)
    return x


def decode_predictions(preds: Any, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """The ``top`` (class id, name, score) triples per sample, from Keras's ImageNet class index."""
    global _class_index
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ConfigError(
            "decode_predictions expects a batch of predictions (i.e. a 2D array of shape (samples, 1000)); "
            f"received an array of shape {preds.shape}."
        )
    if _class_index is None:
        path = models_dir() / CLASS_INDEX_FILE
        if not path.exists():
            raise FileNotFoundError(
                f"decode_predictions needs Keras's ImageNet class index: Strata does not download it; place "
                f"'{CLASS_INDEX_FILE}' at '{path}' (Keras caches it as ~/.keras/models/{CLASS_INDEX_FILE})."
            )
        _class_index = json.loads(path.read_text())
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        results.append([(*_class_index[str(i)], float(pred[i])) for i in top_indices])
    return results


def _reset_class_index() -> None:
    global _class_index
    _class_index = None
