"""``kernels/optimizers.cu`` run by the simulator through ``backend/cuda/optimizers.py``'s
``FusedUpdater`` (pointer table, gradient pointers set by launches, one multi-tensor launch;
the norm and clip kernels for a global clip norm) against the NumPy transcription of the
kernels' semantics (``tests/optimizers/_fused_reference.py``): every kind and option, chunks
that end mid-tensor, empty tensors, more tensors than one pointer-setting launch takes."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import optimizers as fo

from ..backend.cuda import _fake_device as fd
from ..backend.cuda.test_optimizers import _updater
from ..optimizers._fused_reference import reference_step
from ._twin import assert_twin, get, put

HYPER = {"sgd": (0.9, 0.0, 0.0, 0.0), "adam": (0.01, 0.1, 0.001, 1e-7),
         "rmsprop": (0.9, 0.1, 1e-7, 0.5)}
CASES = [("sgd", 0, 0), ("sgd", fo.OPT_MOMENTUM, 1),
         ("sgd", fo.OPT_MOMENTUM | fo.OPT_NESTEROV | fo.OPT_WD | fo.OPT_CLIP, 1),
         ("adam", 0, 2), ("adam", fo.OPT_AMSGRAD | fo.OPT_CLIP | fo.OPT_LOSS_SCALE, 3),
         ("rmsprop", 0, 3), ("rmsprop", fo.OPT_CENTERED | fo.OPT_MOMENTUM | fo.OPT_WD, 3)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,opts,nslots", CASES)
def test_fused_update(sim, dtype, kind, opts, nslots):
    rng = np.random.default_rng(opts)
    sizes = [3, fo.CHUNK + 5, 0, 257] + [5] * 36  # 40 tensors: two cf_set_pointers launches
    flags = [t % 2 for t in range(len(sizes))]
    params = [rng.normal(size=n).astype(dtype) for n in sizes]
    grads = [rng.normal(size=n).astype(dtype) * 3 for n in sizes]
    slots = [[np.abs(rng.normal(size=n)).astype(dtype) for n in sizes] for _ in range(nslots)]
    scal = fo.scalar_vector(0.05, weight_decay=0.1, loss_scale=4.0, global_clipnorm=1.5,
                            hyper=HYPER[kind])
    u = _updater(kind, opts, sizes, dtype, nslots)
    fd._host_view(u.flags)[...] = flags
    dp = [put(p) for p in params]
    ds = [[put(a) for a in col] for col in slots]
    fd._host_view(u.ptrs)[...] = u.host_pointer_table(dp, ds).reshape(-1)  # the upload
    fd._host_view(u.scal)[...] = scal  # the async scalar copy
    u.set_grads([put(g) for g in grads])
    u.launch()
    reference_step(kind, opts, params, grads, slots, flags, scal)
    for want, got in zip(params + [a for col in slots for a in col],
                         dp + [a for col in ds for a in col]):
        if opts & fo.OPT_CLIP:  # the norm's double sum runs in another order
            assert_twin(get(got), want, np.dtype(dtype).type)
        else:
            np.testing.assert_array_equal(get(got), want)
    assert sim.names()[:2] == ["cf_set_pointers", "cf_set_pointers"]
