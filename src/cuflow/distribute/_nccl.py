"""Gradient all-reduce between GPUs with NCCL (``cupy.cuda.nccl``).

MPI only carries the NCCL unique id from rank 0 to the others; the sums then run GPU to GPU
(NVLink / PCIe / InfiniBand) on the current CuPy stream, so the optimizer kernels queued after
them on that stream see the reduced gradients without a host synchronisation.
"""

from __future__ import annotations

import numpy as np

_TYPE_NAMES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32",
               "float64": "NCCL_FLOAT64", "int32": "NCCL_INT32", "int64": "NCCL_INT64"}


def nccl_dtype(nccl, dtype):
    """The NCCL datatype constant for a NumPy/CuPy dtype; a clear error for others."""
    name = np.dtype(dtype).name
    if name not in _TYPE_NAMES:
        raise TypeError(f"NCCL all-reduce supports {sorted(_TYPE_NAMES)}; received a buffer of "
                        f"dtype {name}")
    return getattr(nccl, _TYPE_NAMES[name])


def nccl_available() -> bool:
    try:
        from cupy.cuda import nccl
    except Exception:
        return False
    return bool(getattr(nccl, "available", True))


class NcclAllreducer:
    """``allreduce_sum_(buf)``: in-place sum of a CuPy buffer over every rank's GPU.

    ``host`` is the MPI collective (rank, size, bcast_obj); ``nccl`` and ``cupy`` may be
    stand-ins (the CPU tests pass fakes to check dtypes, counts and pointers).
    """

    def __init__(self, host, device_index, nccl=None, cupy=None):
        if nccl is None:
            from cupy.cuda import nccl
        if cupy is None:
            import cupy
        self._nccl, self._cupy = nccl, cupy
        self.rank, self.size = host.rank, host.size
        self.device_index = int(device_index)
        uid = nccl.get_unique_id() if host.rank == 0 else None
        uid = host.bcast_obj(uid)  # the only thing MPI carries for NCCL
        with cupy.cuda.Device(self.device_index):
            self._comm = nccl.NcclCommunicator(host.size, uid, host.rank)

    def allreduce_sum_(self, buf):
        if buf.size == 0:
            return buf
        if not buf.flags.c_contiguous:
            raise ValueError("NCCL all-reduce needs a contiguous buffer")
        stream = self._cupy.cuda.get_current_stream().ptr
        ptr = buf.data.ptr
        # in place (send == recv) is allowed by NCCL and saves a buffer
        self._comm.allReduce(ptr, ptr, int(buf.size), nccl_dtype(self._nccl, buf.dtype),
                             self._nccl.NCCL_SUM, stream)
        return buf

    def close(self):
        comm, self._comm = self._comm, None
        if comm is not None:
            comm.destroy()
