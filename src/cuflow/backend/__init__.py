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

__all__ = ["Backend", "backend_of", "device", "devices", "get_backend", "get_device",
           "gpu_unavailable_reason", "parse_device", "set_device"]
