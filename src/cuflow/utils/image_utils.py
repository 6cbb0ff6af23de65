"""Image file helpers of ``keras.utils``: ``load_img``, ``img_to_array``, ``array_to_img``,
``save_img`` (Pillow, the optional extra ``cuflow[image]``).

``save_img`` writes atomically: a temporary file in the destination folder, fsynced, then renamed
over the target, so a crash never leaves a half-written image under the final name.
"""

from __future__ import annotations

import os
import tempfile

from ._pil import array_to_img, img_to_array, load_img, pil_image

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img"]


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Save an (H, W, C) array as an image file (format from ``file_format`` or the suffix)."""
    Image = pil_image()
    img = array_to_img(x, data_format=data_format, scale=scale)
    if not isinstance(path, (str, bytes, os.PathLike)):  # a file object: written in place
        if img.mode == "RGBA" and str(file_format).lower() in ("jpg", "jpeg"):
            img = img.convert("RGB")
        img.save(path, format=file_format, **kwargs)
        return
    path = os.fsdecode(os.fspath(path))
    fmt = file_format
    if fmt is None:
        ext = os.path.splitext(path)[1].lower()
        fmt = Image.registered_extensions().get(ext)
        if fmt is None:
            raise ValueError(f"save_img cannot tell the image format of {path!r} from its "
                             f"suffix; pass file_format= (e.g. 'png')")
    if img.mode == "RGBA" and str(fmt).lower() in ("jpg", "jpeg"):
        img = img.convert("RGB")  # JPEG has no alpha channel
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            img.save(f, format=fmt, **kwargs)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
