"""Multi-tensor optimizer updates: every parameter of a model in one kernel launch.

``Optimizer.apply`` calls :func:`try_apply` first; it handles SGD (momentum, Nesterov), Adam /
AdamW (AMSGrad, weight decay) and RMSprop (momentum, centered) when every variable lives on one
GPU with one float dtype (float32 or float64; float16 variables take the per-variable path), with
optional loss scaling and global-norm clipping. Anything else returns False and the optimizer
runs its per-variable path, whose semantics the kernels reproduce op for op.

Device state, built once per optimizer (``FusedUpdater``):

* a pointer table ``ptrs[col, t]`` (0 param, 1 grad, 2.. optimizer slots), sizes, per-tensor
  flags and a chunk table (block-per-chunk over the flattened index space), uploaded at build;
  parameter/slot pointers are re-uploaded only when a buffer moved;
* the gradient column, rewritten every step by small launches that carry the pointers as kernel
  arguments (capturable, where a host-to-device copy of a fresh table is not);
* ``scal``, a float64 device array of per-step scalars (learning rate, bias corrections, ...),
  written before each launch from a pinned ring buffer with an async copy on the same stream. A
  CUDA graph holding the launch reads it at replay time, so the host rewrites it before each
  replay (:meth:`Optimizer._fused_prepare_replay`) and schedules and bias corrections advance.

:func:`reference_step` is the same table semantics in NumPy (the CPU twin the tests compare
with the per-variable optimizers).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

# scalar slots (kernels/optimizers.cu CF_S_*)
S_LR, S_WD_KEEP, S_LOSS_SCALE, S_CLIP, S_K0 = 0, 1, 2, 3, 4
NSCAL = 8
# option bits (kernels/optimizers.cu CF_OPT_*)
OPT_WD, OPT_LOSS_SCALE, OPT_CLIP = 1, 2, 4
OPT_MOMENTUM, OPT_NESTEROV, OPT_AMSGRAD, OPT_CENTERED = 8, 16, 32, 64

CHUNK = 16384  # elements per block-chunk: 64 per thread at 256 threads
THREADS = 256
PTRS_PER_SET = 32  # cf_set_pointers' argument count
_CTYPES = {"float32": "float", "float64": "double"}


@dataclass
class Spec:
    """What the fused kernel needs from one optimizer: kernel kind, option bits and the slot
    columns (each a list of Variables, one per trainable variable; kernel column = 2 + index)."""

    kind: str
    opts: int
    slots: list = field(default_factory=list)


def disabled_by_env() -> bool:
    return os.environ.get("CUFLOW_FUSED_OPTIMIZER", "1").strip().lower() in ("0", "false", "off")


def spec_for(opt):
    """``(Spec, None)`` for a supported optimizer, else ``(None, reason)``."""
    from ..optimizers import adam, rmsprop, sgd

    update = type(opt)._update_step
    if opt.clipnorm is not None or opt.clipvalue is not None:
        return None, "per-variable clipnorm/clipvalue"
    opts = 0
    if opt.weight_decay is not None:
        opts |= OPT_WD
    if opt.loss_scale_factor is not None:
        opts |= OPT_LOSS_SCALE
    if opt.global_clipnorm is not None and opt.global_clipnorm > 0:
        opts |= OPT_CLIP
    if not opt.built:
        return None, "optimizer not built"
    if update is sgd.SGD._update_step:
        if opt.momentum != 0:
            opts |= OPT_MOMENTUM | (OPT_NESTEROV if opt.nesterov else 0)
            return Spec("sgd", opts, [list(opt.momentums)]), None
        return Spec("sgd", opts, []), None
    if update is adam.Adam._update_step:
        slots = [list(opt._momentums), list(opt._velocities)]
        if opt.amsgrad:
            opts |= OPT_AMSGRAD
            slots.append(list(opt._velocity_hats))
        return Spec("adam", opts, slots), None
    if update is rmsprop.RMSprop._update_step:
        v = list(opt._velocities)
        slots = [v, list(opt._momentums) if opt.momentum > 0 else v]
        if opt.momentum > 0:
            opts |= OPT_MOMENTUM
        if opt.centered:
            opts |= OPT_CENTERED
            slots.append(list(opt._average_gradients))
        return Spec("rmsprop", opts, slots), None
    return None, f"{type(opt).__name__} has no fused kernel"


def scalars_for(opt, spec, lr) -> np.ndarray:
    """The per-step scalar vector for the optimizer's *next* step (iteration + 1)."""
    s = np.zeros(NSCAL, np.float64)
    s[S_LR] = lr
    s[S_WD_KEEP] = 1.0 - opt.weight_decay * lr if opt.weight_decay is not None else 1.0
    s[S_LOSS_SCALE] = opt.loss_scale_factor if opt.loss_scale_factor is not None else 1.0
    s[S_CLIP] = opt.global_clipnorm or 0.0
    if spec.kind == "sgd":
        s[S_K0] = opt.momentum
    elif spec.kind == "adam":
        t = opt._iteration_count() + 1
        b1, b2 = opt.beta_1, opt.beta_2
        s[S_K0:S_K0 + 4] = (lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t), 1.0 - b1, 1.0 - b2,
                            opt.epsilon)
    elif spec.kind == "rmsprop":
        s[S_K0:S_K0 + 4] = (opt.rho, 1.0 - opt.rho, opt.epsilon, opt.momentum)
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


def decay_flags(opt) -> np.ndarray:
    return np.array([1 if opt._use_weight_decay(v) else 0 for v in opt._trainable_variables],
                    np.int32)


# ---- the NumPy twin -------------------------------------------------------------------------

def reference_step(kind, opts, params, grads, slots, flags, scal):
    """One fused step on NumPy arrays, in place: the kernels' math, element for element.

    ``params``/``grads``: lists of arrays; ``slots``: list of columns (lists of arrays, as the
    kernel's columns 2..); ``flags``: per-tensor int (bit 0: weight decay); ``scal``: the
    float64 scalar vector. Float ops run in the arrays' dtype like the kernels' ``*_rn``
    intrinsics (NumPy float ops are correctly rounded too).
    """
    dt = params[0].dtype.type
    c = dt  # scalars enter the math rounded to the parameter dtype, as the kernels cast them
    lr, keep, ls, clip = (c(scal[S_LR]), c(scal[S_WD_KEEP]), c(scal[S_LOSS_SCALE]),
                          c(scal[S_CLIP]))
    k = [c(v) for v in scal[S_K0:S_K0 + 4]]
    with np.errstate(all="ignore"):
        gs = [g / ls if opts & OPT_LOSS_SCALE else g for g in grads]
        if opts & OPT_CLIP:
            total = sum(float(np.sum(np.square(g.astype(np.float64)))) for g in gs)
            norm = dt(math.sqrt(total))
            scale = clip / np.maximum(norm, clip) + (norm - norm)
            gs = [g * scale for g in gs]
        for t, (w, g) in enumerate(zip(params, gs)):
            if opts & OPT_WD and flags[t] & 1:
                w *= keep
            col = [s[t] for s in slots]
            if kind == "sgd":
                step = g * lr
                if opts & OPT_MOMENTUM:
                    m = col[0]
                    m[...] = m * k[0] - step
                    if opts & OPT_NESTEROV:
                        w[...] = (w - step) + m * k[0]
                    else:
                        w += m
                else:
                    w -= step
            elif kind == "adam":
                alpha, c1, c2, eps = k
                m, v = col[0], col[1]
                m[...] = m + (g - m) * c1
                v[...] = v + (g * g - v) * c2
                vv = v
                if opts & OPT_AMSGRAD:
                    col[2][...] = np.maximum(col[2], v)
                    vv = col[2]
                w -= (m / (np.sqrt(vv) + eps)) * alpha
            elif kind == "rmsprop":
                rho, cr, eps, mu = k
                v = col[0]
                v[...] = v * rho + (g * g) * cr
                if opts & OPT_CENTERED:
                    a = col[2]
                    a[...] = a * rho + g * cr
                    den = (v - a * a) + eps
                else:
                    den = v + eps
                inc = (g / np.sqrt(den)) * lr
                if opts & OPT_MOMENTUM:
                    m = col[1]
                    m[...] = m * mu + inc
                    w -= m
                else:
                    w -= inc
            else:
                raise ValueError(f"unknown fused optimizer kind {kind!r}")


# ---- the device side ------------------------------------------------------------------------

def _capturing(cp) -> bool:
    try:
        return bool(cp.cuda.get_current_stream().is_capturing())
    except Exception:
        return False


class FusedUpdater:
    """Device tables and launches for one built optimizer on one GPU."""

    RING = 8  # pinned scalar buffers in flight before the host waits on the oldest

    def __init__(self, spec, variables, flags, dtype):
        import cupy as cp

        from .kernels import sm_count

        self.spec = spec
        self.dtype = str(dtype)
        self.nt = len(variables)
        self.device_id = cp.cuda.Device().id
        self.ncols = 2 + max(3, len(spec.slots))  # the kernels index columns up to 4
        sizes = np.array([v.data.size for v in variables], np.int64)
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

    # -- tables --
    def host_pointer_table(self, variables):
        """int64 (ncols, nt): param and slot pointers; the gradient column stays 0."""
        table = np.zeros((self.ncols, self.nt), np.int64)
        table[0] = [v.data.data.ptr for v in variables]
        cols = list(self.spec.slots) or [variables]
        for j in range(2, self.ncols):
            col = cols[j - 2] if j - 2 < len(cols) else cols[0]  # unused columns: any valid ptr
            table[j] = [v.data.data.ptr for v in col]
        return table

    def refresh(self, variables):
        """Re-upload parameter/slot pointers when a buffer moved (never during capture)."""
        table = self.host_pointer_table(variables)
        if self._host_ptrs is not None and np.array_equal(table, self._host_ptrs):
            return
        import cupy as cp

        if _capturing(cp):
            raise RuntimeError("optimizer buffers moved during CUDA-graph capture")
        self.ptrs.set(table.reshape(-1))
        self._host_ptrs = table

    def set_grads(self, grads):
        from .kernels import get_kernel

        kern = get_kernel("optimizers.cu", "cf_set_pointers")
        ptrs = [g.data.ptr for g in grads]
        for off in range(0, self.nt, PTRS_PER_SET):
            part = ptrs[off:off + PTRS_PER_SET]
            args = [np.int64(p) for p in part] + [np.int64(0)] * (PTRS_PER_SET - len(part))
            kern((1,), (PTRS_PER_SET,), (self.ptrs[self.nt + off:], np.int32(len(part)), *args))

    def write_scalars(self, values):
        """Async copy of ``values`` into ``scal`` on the current stream; a no-op while capturing
        (the graph reads ``scal`` at replay; the host writes it before each replay)."""
        import cupy as cp

        if _capturing(cp):
            return
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
        from .kernels import get_kernel

        if not self.nchunks:
            return
        ct = _CTYPES[self.dtype]
        spec = self.spec
        i64 = np.int64
        common = (self.ptrs, self.sizes)
        if spec.opts & OPT_CLIP:
            get_kernel("optimizers.cu", f"cf_fused_sumsq<{ct}>")(
                (self.sumsq_grid,), (THREADS,),
                (*common, self.chunks, i64(self.nt), i64(self.nchunks), i64(CHUNK), self.scal,
                 np.int32(spec.opts), self.partial))
            get_kernel("optimizers.cu", f"cf_fused_clip_scale<{ct}>")(
                (1,), (1024,), (self.partial, i64(self.sumsq_grid), self.scal, self.clip_scale))
        get_kernel("optimizers.cu", f"cf_fused_{spec.kind}<{ct}>")(
            (self.grid,), (THREADS,),
            (*common, self.flags, self.chunks, i64(self.nt), i64(self.nchunks), i64(CHUNK),
             self.scal, self.clip_scale, np.int32(spec.opts)))


def _eligible_dtype(variables):
    dts = {str(v.data.dtype) for v in variables}
    if len(dts) != 1:
        return None, f"mixed variable dtypes {sorted(dts)}"
    dt = dts.pop()
    if dt not in _CTYPES:
        return None, f"variable dtype {dt} (fused path: float32/float64)"
    return dt, None


def _gpu_backend(variables):
    bk = variables[0]._backend
    if not str(bk.device).startswith("gpu"):
        return None
    if any(v._backend is not bk for v in variables):
        return None
    return bk


def try_apply(opt, items) -> bool:
    """Run the whole update (preprocessing, weight decay, update) fused; False when the
    optimizer must take its per-variable path (nothing has been modified then)."""
    variables = opt._trainable_variables
    if not variables or getattr(opt, "_fused_enabled", True) is False or disabled_by_env():
        return False
    if _gpu_backend(variables) is None or len(items) != len(variables):
        return False
    state = opt._fused
    if state is None:
        spec, reason = spec_for(opt)
        dt, why = _eligible_dtype(variables) if spec is not None else (None, reason)
        if spec is None or dt is None or not all(
                v.data.flags.c_contiguous for col in [variables, *spec.slots] for v in col):
            opt._fused = False
            opt._fused_reason = why or "non-contiguous variables"
            return False
        bk = variables[0]._backend
        with bk._on_device():
            state = opt._fused = FusedUpdater(spec, variables, decay_flags(opt), dt)
    elif state is False:
        return False
    import cupy as cp

    grads = [None] * len(variables)
    for i, g, _ in items:
        grads[i] = g
    if any(g is None for g in grads):
        return False
    bk = variables[0]._backend
    with bk._on_device():
        grads = [g if g.flags.c_contiguous else cp.ascontiguousarray(g) for g in grads]
        state.refresh(variables)
        state.set_grads(grads)
        state.write_scalars(scalars_for(opt, state.spec, opt._current_lr()))
        state.launch()
    return True


def prepare_replay(opt) -> None:
    """Write the scalars of the optimizer's next step (before replaying a captured graph)."""
    state = opt._fused
    bk = opt._trainable_variables[0]._backend
    with bk._on_device():
        state.write_scalars(scalars_for(opt, state.spec, opt._current_lr()))
