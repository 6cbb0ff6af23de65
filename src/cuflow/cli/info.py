"""``cuflow info``: versions, devices (and why the default one was chosen), CUDA, kernels."""

from __future__ import annotations


def run(args):
    import platform

    import numpy as np

    import cuflow
    from cuflow.backend import device_choice

    print(f"cuflow {cuflow.__version__} (Python {platform.python_version()}, numpy "
          f"{np.__version__})")
    print(f"devices: {', '.join(cuflow.devices())}")
    print(f"default device: {device_choice()}")
    try:
        import cupy

        line = f"cupy {cupy.__version__}"
        try:
            line += f", CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}"
            line += f", driver {cupy.cuda.runtime.driverGetVersion()}"
        except Exception as e:  # no driver: say so rather than fail
            line += f" (CUDA unavailable: {e.__class__.__name__})"
        print(line)
    except Exception:
        print("cupy: not installed (pip install 'cuflow[gpu]' for GPU support)")
    try:
        from cuflow.backend.cuda import compile as kernels

        info = kernels.cache_info() if hasattr(kernels, "cache_info") else None
        print(f"kernels: {kernels.kernels_dir() if hasattr(kernels, 'kernels_dir') else '?'}"
              + (f"; compiled this process: {info}" if info is not None else ""))
    except Exception as e:
        print(f"kernels: unavailable ({e.__class__.__name__}: {e})")
    return 0
