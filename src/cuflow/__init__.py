"""cuflow: deep learning with a Keras-shaped API on NVIDIA GPUs (CuPy + our CUDA kernels) or the
CPU (NumPy), chosen at import or at run time.

``import cuflow as keras`` works: the submodules mirror ``tensorflow.keras``.
"""

__version__ = "0.1.0"

from . import autodiff, ops, tensor

tensor._ops = ops  # Tensor's operators are ops; see the end of tensor.py
from .autodiff import no_grad
from .backend import device, devices, get_device, set_device
from .errors import DeviceError, OutOfMemoryError, UnsafeModelError
from .gradient_tape import GradientTape
from .tensor import Tensor, Variable, is_tensor, name_scope, stop_gradient


def __getattr__(name):
    # Keras-level submodules load on first use so `import cuflow` stays light.
    import importlib

    lazy = {"layers", "models", "optimizers", "losses", "metrics", "callbacks", "activations",
            "initializers", "regularizers", "constraints", "utils", "datasets", "saving",
            "preprocessing", "applications", "config", "mixed_precision", "debug",
            "distribute", "random", "testing", "keras", "quantizers", "dtype_policies"}
    if name in lazy:
        return importlib.import_module(f".{name}", __name__)
    if name == "Sequential":
        return importlib.import_module(".models", __name__).Sequential
    if name in ("Model", "Input"):
        mod = importlib.import_module(".models" if name == "Model" else ".layers", __name__)
        return getattr(mod, name)
    raise AttributeError(f"module 'cuflow' has no attribute {name!r}")


def version():
    """cuflow's version string (``keras.version()``)."""
    return __version__


def to_device(x, device_spec=None):
    """Move an array or Tensor to ``device_spec`` (default: the current device) once."""
    dev = device_spec if device_spec is not None else get_device()
    return (x if isinstance(x, Tensor) else Tensor(x)).to(dev)


__all__ = ["DeviceError", "GradientTape", "OutOfMemoryError", "Tensor", "UnsafeModelError",
           "Variable", "autodiff", "device", "devices", "get_device", "is_tensor", "name_scope",
           "no_grad", "ops", "set_device", "stop_gradient", "to_device", "version",
           "__version__"]
