"""Multi-tensor optimizer updates on the GPU (``kernels/optimizers.cu``): every parameter of a
model in one kernel launch.

An optimizer declares what its update needs (``Optimizer.fused_update_spec``: the kernel, its
option names and slot variables; ``cuflow.optimizers.fused`` decides eligibility); this module
only ever receives arrays. Device state, built once per optimizer (``FusedUpdater``):

* a pointer table ``ptrs[col, t]`` (0 param, 1 grad, 2.. optimizer slots), sizes, per-tensor
  flags and a chunk table (block-per-chunk over the flattened index space), uploaded at build;
  parameter/slot pointers are re-uploaded only when a buffer moved;
* the gradient column, rewritten every step by small launches that carry the pointers as kernel
  arguments (capturable, where a host-to-device copy of a fresh table is not);
* ``scal``, a float64 device array of per-step scalars (learning rate, bias corrections, ...),
  written before each launch from a pinned ring buffer with an async copy on the same stream. A
  CUDA graph holding the launch reads it at replay time, so the host rewrites it before each
  replay (``Optimizer._fused_prepare_replay``) and schedules and bias corrections advance.

The kernels repeat the per-variable NumPy/CuPy passes of ``cuflow.optimizers`` op for op (that
per-variable code is the reference implementation; the tests hold a NumPy transcription of the
kernels' table semantics as their oracle).
"""

from __future__ import annotations

import numpy as np

from .common import _capturing, _cupy
from .compile import float_types, get_kernel, sm_count

# scalar slots (kernels/optimizers.cu CF_S_*)
S_LR, S_WD_KEEP, S_LOSS_SCALE, S_CLIP, S_K0 = 0, 1, 2, 3, 4
NSCAL = 8
NHYPER = NSCAL - S_K0  # kernel-specific per-step scalars (k0..k3)
# option bits (kernels/optimizers.cu CF_OPT_*), and the names an optimizer declares them by
OPT_WD, OPT_LOSS_SCALE, OPT_CLIP = 1, 2, 4
OPT_MOMENTUM, OPT_NESTEROV, OPT_AMSGRAD, OPT_CENTERED = 8, 16, 32, 64
OPTION_BITS = {"weight_decay": OPT_WD, "loss_scale": OPT_LOSS_SCALE, "global_clipnorm": OPT_CLIP,
               "momentum": OPT_MOMENTUM, "nesterov": OPT_NESTEROV, "amsgrad": OPT_AMSGRAD,
               "centered": OPT_CENTERED}
KINDS = ("sgd", "adam", "rmsprop")  # cf_fused_<kind>

CHUNK = 16384  # elements per block-chunk: 64 per thread at 256 threads
THREADS = 256
PTRS_PER_SET = 32  # cf_set_pointers' argument count
_CTYPES = {"float32": "float", "float64": "double"}

SOURCE = "optimizers.cu"
NAME_EXPRESSIONS = tuple(
    [f"cf_fused_{k}<{ct}>" for ct in float_types(half=False)
     for k in (*KINDS, "sumsq", "clip_scale")]
    + ["cf_set_pointers"])


def option_bits(names) -> int:
    """The kernel's option bits for option names (``{"momentum", "nesterov"}`` -> 24)."""
    bits = 0
    for name in names:
        if name not in OPTION_BITS:
            raise ValueError(f"unknown fused optimizer option {name!r}; expected one of "
                             f"{sorted(OPTION_BITS)}")
        bits |= OPTION_BITS[name]
    return bits


def scalar_vector(lr, weight_decay=None, loss_scale=None, global_clipnorm=None, hyper=()):
    """The float64 per-step scalar vector of one launch: the learning rate, the weight-decay
    keep factor ``1 - wd * lr``, the loss scale, the global clip norm and up to four
    kernel-specific values (``hyper``, the kernel's k0..k3)."""
    if len(hyper) > NHYPER:
        raise ValueError(f"at most {NHYPER} kernel scalars; received {len(hyper)}")
    s = np.zeros(NSCAL, np.float64)
    s[S_LR] = lr
    s[S_WD_KEEP] = 1.0 - weight_decay * lr if weight_decay is not None else 1.0
    s[S_LOSS_SCALE] = loss_scale if loss_scale is not None else 1.0
    s[S_CLIP] = global_clipnorm or 0.0
    s[S_K0:S_K0 + len(hyper)] = hyper
    return s


def chunk_table(sizes, chunk=CHUNK) -> np.ndarray:
    """int64 ``(2, nchunks)``: (tensor index, first element) of every chunk, tensors in order;
    an empty tensor has no chunk."""
    t_idx, starts = [], []
    for t, n in enumerate(sizes):
        for s in range(0, int(n), chunk):
            t_idx.append(t)
            starts.append(s)
    return np.array([t_idx, starts], dtype=np.int64).reshape(2, len(t_idx))


def supported_dtype(arrays):
    """``(dtype, None)`` when every array shares one dtype the kernels take, else
    ``(None, why)``."""
    dts = {str(a.dtype) for a in arrays}
    if len(dts) != 1:
        return None, f"mixed variable dtypes {sorted(dts)}"
    dt = dts.pop()
    if dt not in _CTYPES:
        return None, f"variable dtype {dt} (fused path: float32/float64)"
    return dt, None


class FusedUpdater:
    """Device tables and launches for one optimizer's update on one GPU (the current device).

    ``kind`` names the kernel (``cf_fused_<kind>``), ``options`` its option bits, ``sizes`` the
    element count of each parameter, ``flags`` per-parameter bits (bit 0: weight decay),
    ``nslots`` the number of slot columns."""

    RING = 8  # pinned scalar buffers in flight before the host waits on the oldest

    def __init__(self, kind, options, sizes, flags, dtype, nslots):
        if kind not in KINDS:
            raise ValueError(f"unknown fused optimizer kind {kind!r}; expected one of {KINDS}")
        cp = _cupy()
        self.kind, self.options = kind, int(options)
        self.dtype = str(dtype)
        self.nt = len(sizes)
        self.nslots = int(nslots)
        self.device_id = cp.cuda.Device().id
        self.ncols = 2 + max(3, self.nslots)  # the kernels index columns up to 4
        sizes = np.asarray(sizes, np.int64)
        chunks = chunk_table(sizes)
        self.nchunks = chunks.shape[1]
        sms = sm_count(self.device_id)
        self.grid = max(1, min(self.nchunks, sms * 8))
        self.sumsq_grid = max(1, min(self.nchunks, sms * 4))
        self.sizes = cp.asarray(sizes)
        self.flags = cp.asarray(np.asarray(flags, np.int32))
        self.chunks = cp.asarray(chunks if chunks.size else np.zeros((2, 1), np.int64))
        self.ptrs = cp.zeros(self.ncols * self.nt, dtype=cp.int64)
        self.scal = cp.zeros(NSCAL, dtype=cp.float64)
        self.clip_scale = cp.ones(1, dtype=self.dtype)
        self.partial = cp.zeros(self.sumsq_grid, dtype=cp.float64)
        self._host_ptrs = None
        mem = cp.cuda.alloc_pinned_memory(self.RING * NSCAL * 8)
        self._pinned_mem = mem  # keeps the pinned buffer alive
        self._ring = np.frombuffer(mem, np.float64, self.RING * NSCAL).reshape(self.RING, NSCAL)
        self._events = [None] * self.RING
        self._next = 0

    def step(self, params, grads, slots, scalars):
        """One update: pointers refreshed, gradients bound, scalars written, kernels launched.
        ``params``/``grads``: one array per tensor; ``slots``: columns of arrays."""
        self.refresh(params, slots)
        self.set_grads(grads)
        self.write_scalars(scalars)
        self.launch()

    # -- tables --
    def host_pointer_table(self, params, slots):
        """int64 (ncols, nt): param and slot pointers; the gradient column stays 0."""
        table = np.zeros((self.ncols, self.nt), np.int64)
        table[0] = [a.data.ptr for a in params]
        cols = list(slots) or [params]
        for j in range(2, self.ncols):
            col = cols[j - 2] if j - 2 < len(cols) else cols[0]  # unused columns: any valid ptr
            table[j] = [a.data.ptr for a in col]
        return table

    def refresh(self, params, slots):
        """Re-upload parameter/slot pointers when a buffer moved (never during capture)."""
        table = self.host_pointer_table(params, slots)
        if self._host_ptrs is not None and np.array_equal(table, self._host_ptrs):
            return
        if _capturing():
            raise RuntimeError("optimizer buffers moved during CUDA-graph capture")
        self.ptrs.set(table.reshape(-1))
        self._host_ptrs = table

    def set_grads(self, grads):
        kern = get_kernel(SOURCE, "cf_set_pointers")
        ptrs = [g.data.ptr for g in grads]
        for off in range(0, self.nt, PTRS_PER_SET):
            part = ptrs[off:off + PTRS_PER_SET]
            args = [np.int64(p) for p in part] + [np.int64(0)] * (PTRS_PER_SET - len(part))
            kern((1,), (PTRS_PER_SET,), (self.ptrs[self.nt + off:], np.int32(len(part)), *args))

    def write_scalars(self, values):
        """Async copy of ``values`` into ``scal`` on the current stream; a no-op while capturing
        (the graph reads ``scal`` at replay; the host writes it before each replay)."""
        if _capturing():
            return
        cp = _cupy()
        stream = cp.cuda.get_current_stream()
        slot = self._next
        self._next = (slot + 1) % self.RING
        ev = self._events[slot]
        if ev is not None:
            ev.synchronize()  # only waits if the GPU is RING steps behind
        else:
            ev = self._events[slot] = cp.cuda.Event(disable_timing=True, block=False)
        self._ring[slot] = values
        self.scal.data.copy_from_host_async(self._ring[slot].ctypes.data, NSCAL * 8, stream)
        stream.record(ev)

    def launch(self):
        if not self.nchunks:
            return
        ct = _CTYPES[self.dtype]
        i64 = np.int64
        common = (self.ptrs, self.sizes)
        if self.options & OPT_CLIP:
            get_kernel(SOURCE, f"cf_fused_sumsq<{ct}>")(
                (self.sumsq_grid,), (THREADS,),
                (*common, self.chunks, i64(self.nt), i64(self.nchunks), i64(CHUNK), self.scal,
                 np.int32(self.options), self.partial))
            get_kernel(SOURCE, f"cf_fused_clip_scale<{ct}>")(
                (1,), (1024,), (self.partial, i64(self.sumsq_grid), self.scal, self.clip_scale))
        get_kernel(SOURCE, f"cf_fused_{self.kind}<{ct}>")(
            (self.grid,), (THREADS,),
            (*common, self.flags, self.chunks, i64(self.nt), i64(self.nchunks), i64(CHUNK),
             self.scal, self.clip_scale, np.int32(self.options)))
