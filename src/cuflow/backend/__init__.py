"""Backend dispatch: device selection and the NumPy / CuPy backends."""

from .base import Backend
from .dtypes import result_type
from .global_state import clear_session
from .selection import (
    backend_of,
    device,
    device_choice,
    devices,
    get_backend,
    get_device,
    gpu_unavailable_reason,
    parse_device,
    set_device,
)

__all__ = ["Backend", "backend_of", "clear_session", "device", "device_choice", "devices",
           "get_backend", "get_device", "gpu_unavailable_reason", "parse_device", "result_type",
           "set_device"]
