"""Image files <-> arrays through Pillow, which stays an optional extra (``cuflow[image]``)."""

from __future__ import annotations

import io
import os

import numpy as np

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image():
    """``PIL.Image``, or an ImportError that says how to get it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('loading and saving images needs Pillow; install it with '
                          'pip install "cuflow[image]" (or pip install pillow)') from None
    return Image


def _data_format(data_format):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; received "
                         f"{data_format!r}")
    return data_format


def _resample(Image, interpolation):
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {_INTERPOLATIONS}; received "
                         f"{interpolation!r}")
    return getattr(Image.Resampling, interpolation.upper())


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Load an image file (path, path-like or bytes stream) as a PIL image, as Keras does."""
    Image = pil_image()
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ValueError(f"color_mode must be 'grayscale', 'rgb' or 'rgba'; received "
                         f"{color_mode!r}")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be a path-like object or io.BytesIO; received "
                        f"{type(path).__name__}")
    mode = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}[color_mode]
    if img.mode != mode:
        img = img.convert(mode)
    if target_size is not None:
        height, width = (int(s) for s in target_size)
        if img.size != (width, height):
            resample = _resample(Image, interpolation)
            if keep_aspect_ratio:
                # crop the largest centred box with the target's aspect ratio, then resize
                w, h = img.size
                crop_h = min(h, round(w * height / width))
                crop_w = min(w, round(h * width / height))
                top, left = (h - crop_h) // 2, (w - crop_w) // 2
                img = img.crop((left, top, left + crop_w, top + crop_h))
            img = img.resize((width, height), resample)
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as an (H, W, C) (or (C, H, W)) float32 array; grayscale gets C = 1."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"unsupported image shape {x.shape}")
    return np.ascontiguousarray(x.transpose(2, 0, 1)) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """An (H, W, C) array as a PIL image; ``scale`` stretches values to [0, 255] as Keras."""
    Image = pil_image()
    data_format = _data_format(data_format)
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"expected an image array of rank 3; received shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError(f"unsupported channel number {channels}; expected 1, 3 or 4")
    x = np.clip(np.round(x), 0, 255).astype(np.uint8)
    if channels == 1:
        return Image.fromarray(x[:, :, 0], "L")
    return Image.fromarray(x, "RGB" if channels == 3 else "RGBA")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpeg" or str(path).lower().endswith((".jpg",
                                                                                     ".jpeg"))):
        img = img.convert("RGB")  # JPEG has no alpha channel
    img.save(path, format=file_format, **kwargs)
