"""The host-side collectives a data-parallel run needs, over MPI (mpi4py) or for one process.

Everything here works on host NumPy arrays and small Python objects; the per-step gradient
all-reduce of device arrays goes through :mod:`._nccl` on GPUs and through
:meth:`MpiCollective.allreduce_sum_` (staged through the host when the buffer is on a GPU)
otherwise.
"""

from __future__ import annotations

import os
import sys
import traceback

import numpy as np

# environment variables launchers set; any of them > 1 means "started by mpirun / srun"
_SIZE_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE")
_LOCAL_RANK_VARS = ("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "MV2_COMM_WORLD_LOCAL_RANK",
                    "PMI_LOCAL_RANK", "SLURM_LOCALID")


def launched_size() -> int:
    """The world size a launcher announced in the environment (1 when none did)."""
    for var in _SIZE_VARS:
        value = os.environ.get(var)
        if value and value.isdigit():
            return int(value)
    return 1


def import_mpi():
    """``mpi4py.MPI``, or None when mpi4py is missing and no launcher started several ranks."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        if launched_size() > 1:
            raise ImportError(f"cuflow.distribute: this process was started as one of "
                              f"{launched_size()} MPI ranks but mpi4py cannot be imported "
                              f"({e}); install it with: pip install 'cuflow[mpi]' (needs an MPI "
                              f"library such as Debian's openmpi-bin + libopenmpi-dev)") from e
        return None
    return MPI


def local_rank(mpi_comm=None) -> int:
    """This process's index among the ranks on its machine: the launcher's variable when set,
    else a shared-memory split of the communicator (works with any MPI)."""
    for var in _LOCAL_RANK_VARS:
        value = os.environ.get(var)
        if value and value.isdigit():
            return int(value)
    if mpi_comm is not None:
        from mpi4py import MPI

        node = mpi_comm.Split_type(MPI.COMM_TYPE_SHARED)
        try:
            return node.Get_rank()
        finally:
            node.Free()
    return 0


class LocalCollective:
    """One process: every collective is the identity. What ``DataParallel`` uses without MPI."""

    rank = 0
    size = 1

    def allreduce_sum_(self, buf):
        return buf

    def bcast_obj(self, obj):
        return obj

    def bcast_(self, buf):
        return buf

    def allgather(self, obj):
        return [obj]

    def any(self, flag):
        return bool(flag)

    def barrier(self):
        pass

    def abort(self, code=1):
        raise SystemExit(code)


class MpiCollective:
    """Collectives on an mpi4py communicator (``MPI.COMM_WORLD`` by default)."""

    def __init__(self, comm=None):
        from mpi4py import MPI

        self._MPI = MPI
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()

    def allreduce_sum_(self, buf):
        """Sum ``buf`` over the ranks, in place. A device (CuPy) buffer is staged through the
        host: we do not assume a CUDA-aware MPI."""
        if isinstance(buf, np.ndarray):
            self.comm.Allreduce(self._MPI.IN_PLACE, buf, op=self._MPI.SUM)
            return buf
        host = buf.get()
        self.comm.Allreduce(self._MPI.IN_PLACE, host, op=self._MPI.SUM)
        buf.set(host)
        return buf

    def bcast_obj(self, obj):
        return self.comm.bcast(obj, root=0)

    def bcast_(self, buf):
        """Rank 0's contents of the host array ``buf`` on every rank, in place."""
        self.comm.Bcast(buf, root=0)
        return buf

    def allgather(self, obj):
        return self.comm.allgather(obj)

    def any(self, flag):
        return bool(self.comm.allreduce(1 if flag else 0, op=self._MPI.MAX))

    def barrier(self):
        self.comm.Barrier()

    def abort(self, code=1):
        self.comm.Abort(code)


def report_and_abort(collective, what, exc):
    """Print ``cuflow: rank R failed ...`` with the traceback, then end every rank of the job:
    the others are (or soon will be) blocked in a collective that this rank never joins."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    sys.stdout.flush()
    sys.stderr.write(f"cuflow: rank {collective.rank} failed in {what}: "
                     f"{type(exc).__name__}: {exc}\n{text}"
                     f"cuflow: aborting all {collective.size} ranks\n")
    sys.stderr.flush()
    collective.abort(1)
