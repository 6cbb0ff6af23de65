"""Helpers for testing cuflow code: numerical gradient checks (``gradcheck``) and running a test
body on every available device against its NumPy result (``parity``)."""

from .gradcheck import check_gradients, flat_outputs, numerical_gradient, weight_slots
from .parity import assert_same_result, device_params, gpu_available, on_every_device

__all__ = ["assert_same_result", "check_gradients", "device_params", "flat_outputs",
           "gpu_available", "numerical_gradient", "on_every_device", "weight_slots"]
