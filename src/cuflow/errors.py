"""Exceptions cuflow raises on purpose, so users can catch them by type."""


class DeviceError(RuntimeError):
    """A device was asked for that this machine cannot provide (no CuPy, no GPU, old driver)."""


class OutOfMemoryError(MemoryError):
    """A device allocation failed; the message names the request and a remedy."""


class UnsafeModelError(ValueError):
    """A model file asks for something a model file must never do (code, pickles, paths)."""
