"""ImageNet helpers shared by the applications, as ``keras.applications.imagenet_utils``:
``preprocess_input``, ``decode_predictions``, input-shape and activation checks."""

from __future__ import annotations

import json
import warnings

import numpy as np

from .. import activations, ops
from ..tensor import Tensor
from ._weights import CLASS_INDEX_FILE, CLASS_INDEX_URL, cached_file

_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR means of the ImageNet training set
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)

_CLASS_INDEX = None


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images (values 0-255) the way a model was trained.

    caffe: RGB -> BGR, minus the ImageNet mean per channel, no scaling (VGG, ResNet);
    tf: to [-1, 1] (MobileNetV2, Xception, InceptionV3); torch: to [0, 1], minus mean, over std.
    Unlike Keras, a float NumPy input is never modified in place: a new array is returned.
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(f"preprocess_input: mode must be 'caffe', 'tf' or 'torch'; received "
                         f"{mode!r}")
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"preprocess_input: data_format must be 'channels_last' or "
                         f"'channels_first'; received {data_format!r}")
    if isinstance(x, Tensor):
        return _preprocess_tensor(x, data_format, mode)
    x = np.asarray(x)
    x = x.astype("float32") if x.dtype.kind != "f" else x.copy()
    return _preprocess(x, data_format, mode, lambda a: a)


def _channel_shape(x, data_format):
    shape = [1] * x.ndim
    shape[-1 if data_format == "channels_last" else (0 if x.ndim == 3 else 1)] = 3
    return shape


def _preprocess(x, data_format, mode, const):
    if mode == "tf":
        return x / 127.5 - 1.0
    shape = _channel_shape(x, data_format)
    if mode == "torch":
        mean = const(np.reshape(np.asarray(_TORCH_MEAN, dtype=x.dtype), shape))
        std = const(np.reshape(np.asarray(_TORCH_STD, dtype=x.dtype), shape))
        return (x / 255.0 - mean) / std
    axis = x.ndim - 1 if data_format == "channels_last" else (0 if x.ndim == 3 else 1)
    index = [slice(None)] * x.ndim
    index[axis] = slice(None, None, -1)  # RGB -> BGR
    mean = const(np.reshape(np.asarray(_CAFFE_MEAN, dtype=x.dtype), shape))
    return x[tuple(index)] - mean


def _preprocess_tensor(x, data_format, mode):
    if x.dtype.kind != "f":
        x = ops.cast(x, "float32")
    return _preprocess(x, data_format, mode, lambda a: Tensor(a, device=x.device))


def _class_index():
    global _CLASS_INDEX
    if _CLASS_INDEX is None:
        path = cached_file(CLASS_INDEX_FILE, CLASS_INDEX_URL, "ImageNet class index")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        ok = isinstance(data, dict) and all(
            str(i) in data and isinstance(data[str(i)], list) and len(data[str(i)]) == 2
            for i in range(1000))
        if not ok:
            raise ValueError(f"{path} is not an ImageNet class index: expected a JSON object "
                             f'mapping "0".."999" to [wordnet id, class name]')
        _CLASS_INDEX = data
    return _CLASS_INDEX


def decode_predictions(preds, top=5):
    """The ``top`` (wordnet id, class name, score) triples per sample, best first."""
    preds = preds.numpy() if isinstance(preds, Tensor) else np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"decode_predictions expects a batch of predictions (a 2D array of "
                         f"shape (samples, 1000)); received an array with shape {preds.shape}")
    if not isinstance(top, (int, np.integer)) or top <= 0:
        raise ValueError(f"decode_predictions: top must be a positive int; received {top!r}")
    index = _class_index()
    results = []
    for pred in preds:
        best = np.argsort(-pred, kind="stable")[:top]
        results.append([tuple(index[str(i)]) + (pred[i],) for i in best])
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """Keras's input-shape resolution and validation for the applications."""
    first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn(f"this model usually expects 1 or 3 input channels; received an "
                          f"input_shape with {channels} channels", stacklevel=3)
        default_shape = (channels, default_size, default_size) if first else \
            (default_size, default_size, channels)
    else:
        default_shape = (3, default_size, default_size) if first else \
            (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(f"when setting include_top=True and loading 'imagenet' weights, "
                             f"input_shape should be {default_shape}; received "
                             f"input_shape={tuple(input_shape)}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"input_shape must be a tuple of three integers; received "
                             f"input_shape={input_shape}")
        channels = input_shape[0] if first else input_shape[-1]
        spatial = input_shape[1:] if first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"the input must have 3 channels with weights='imagenet'; received "
                             f"input_shape={input_shape}")
        if any(s is not None and s < min_size for s in spatial):
            raise ValueError(f"input size must be at least {min_size}x{min_size}; received "
                             f"input_shape={input_shape}")
    else:
        if require_flatten:
            input_shape = default_shape
        else:
            input_shape = (3, None, None) if first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"if include_top is True, input_shape must be static; received "
                         f"input_shape={input_shape}")
    return input_shape


def validate_activation(classifier_activation, weights):
    """Pretrained tops were trained with softmax: only softmax or None may replace it."""
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get(None)):
        raise ValueError(f"only None and 'softmax' activations are allowed for "
                         f"classifier_activation when using pretrained weights with "
                         f"include_top=True; received classifier_activation="
                         f"{classifier_activation!r}")


def correct_pad(inputs, kernel_size, data_format="channels_last"):
    """ZeroPadding2D amounts that make a stride-2 'valid' conv behave like TF's 'same'."""
    spatial = inputs.shape[2:4] if data_format == "channels_first" else inputs.shape[1:3]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if spatial[0] is None else (1 - spatial[0] % 2, 1 - spatial[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))
