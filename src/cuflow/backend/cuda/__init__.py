"""The CUDA backend: CuPy arrays, our kernels by family, NVRTC, cuBLAS and CUDA graphs."""
