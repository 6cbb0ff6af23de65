"""Backend dispatch: device selection and the NumPy / CuPy backends."""

from .base import Backend
from .selection import (
    backend_of,
    device,
    devices,
    get_backend,
    get_device,
    gpu_unavailable_reason,
    parse_device,
    set_device,
)


def clear_session():
    """Reset layer-name counters (``keras.backend.clear_session``): the next Dense is "dense"."""
    from ..layers import naming

    naming.reset()


__all__ = ["Backend", "backend_of", "clear_session", "device", "devices", "get_backend",
           "get_device", "gpu_unavailable_reason", "parse_device", "set_device"]
