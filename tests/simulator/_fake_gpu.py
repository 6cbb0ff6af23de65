"""The simulated GPU for whole-model tests: the NumPy-backed CuPy stand-in (``_fake_cupy.py``)
in place of ``cupy``/``cupyx``, our kernels in the simulator (``_sim.py``), cuBLAS's call table
simulated (``_fake_cublas.py``), and every cache cuflow keeps of CuPy or of the device emptied
for the test and restored after it.

Every kernel launch is one piece of device work of the runtime (``_fake_runtime.device_op``):
checked for its stream and recorded while a stream captures, so a graph replays the launch, on
the same memory, without the Python that issued it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from ..backend.cuda import _fake_device as fd
from . import _fake_cublas, _fake_cupy, _sim
from . import _fake_runtime as rt
from ._fake_ndarray import ndarray


class _Unowned:
    """A lease's block and address, without keeping it leased: what a graph holds."""

    def __init__(self, mem):
        self.block, self.ptr, self.size = mem.block, mem.ptr, mem.size


def _as_recorded(a):
    if isinstance(a, ndarray) and a._mem is not None:
        return ndarray._of(a._a, _Unowned(a._mem))
    return a


class _Launch:
    """A simulated kernel whose launches are device work of the fake runtime (a recorded launch
    holds its arrays' addresses, not the arrays, as a CUDA graph does)."""

    def __init__(self, kern):
        self.kern = kern

    def __call__(self, grid, block, args, shared_mem=0, stream=None):
        kern = self.kern
        args = tuple(args)
        rec = tuple(map(_as_recorded, args)) if rt.capturing() else args
        rt.device_op(lambda: kern(grid, block, rec, shared_mem), f"{kern.source}:{kern.expr}",
                     stream, [a for a in args if isinstance(a, ndarray)])


@dataclass
class SimGpu:
    sim: _sim.Simulator
    cublas: _fake_cublas.FakeCublasLibrary
    cupy: object

    def kernels(self):
        """Names of the kernels launched so far (replays included)."""
        return self.sim.names()


@contextlib.contextmanager
def simulated_gpu(monkeypatch, build_dir):
    """Inside: ``cuflow.device("gpu")`` is the simulated device."""
    from cuflow.backend import selection
    from cuflow.backend.cuda import compile as kernels
    from cuflow.backend.cuda import losses

    sim = _sim.Simulator(build_dir, rt.RedZoneArena())
    with _fake_cupy.installed(monkeypatch) as cupy:
        monkeypatch.setattr(selection, "_gpu_probe", None)
        monkeypatch.setattr(selection, "_backends", {})
        monkeypatch.setattr(selection, "_default", None)
        monkeypatch.setattr(selection, "_chosen_by", None)
        monkeypatch.setattr(losses, "_flags", {})
        monkeypatch.setattr(kernels, "_modules", {})
        lib = _fake_cublas.install(monkeypatch)
        stand_ins = {"get_kernel": lambda source, expr: _Launch(sim.get_kernel(source, expr)),
                     "sm_count": lambda device_id: 1, "_device_id": lambda: 0}
        for module in fd.cuda_modules():
            for name, value in stand_ins.items():
                if name in vars(module):
                    monkeypatch.setattr(module, name, value)
        yield SimGpu(sim, lib, cupy)
