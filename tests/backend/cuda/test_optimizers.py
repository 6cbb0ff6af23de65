"""The multi-tensor optimizer update on the GPU side (backend/cuda/optimizers.py): the chunk
table covers every element once, option names and scalars follow the kernel's layout, dtypes are
screened, and every launch of a ``FusedUpdater`` (pointer binding in sets of 32, clipping, the
update) is checked against the compiled signatures on the CPU. The update's math against the
per-variable optimizers: tests/optimizers/test_fused.py."""

from __future__ import annotations

import numpy as np
import pytest

from cuflow.backend.cuda import optimizers as fo

from . import _fake_device as fd


def test_chunk_table_covers_every_element_once():
    sizes = [5, 0, 40000, 16384]
    table = fo.chunk_table(sizes, chunk=16384)
    seen = {t: np.zeros(n, int) for t, n in enumerate(sizes)}
    for t, s in table.T:
        seen[t][s:s + 16384] += 1
    assert all((c == 1).all() for c in seen.values())
    assert table.dtype == np.int64 and table.shape == (2, 1 + 3 + 1)
    assert fo.chunk_table([]).shape == (2, 0)


def test_option_names_map_to_the_kernel_bits():
    assert fo.option_bits(()) == 0
    assert fo.option_bits({"momentum", "nesterov"}) == fo.OPT_MOMENTUM | fo.OPT_NESTEROV == 24
    assert fo.option_bits(fo.OPTION_BITS) == 127
    with pytest.raises(ValueError, match="unknown fused optimizer option 'lookahead'"):
        fo.option_bits({"lookahead"})


def test_scalar_vector_layout():
    s = fo.scalar_vector(0.1, weight_decay=0.5, loss_scale=8.0, global_clipnorm=2.0,
                         hyper=(1.0, 2.0, 3.0))
    assert s.dtype == np.float64 and s.shape == (fo.NSCAL,)
    assert list(s) == [0.1, 1.0 - 0.5 * 0.1, 8.0, 2.0, 1.0, 2.0, 3.0, 0.0]
    assert list(fo.scalar_vector(0.1)[:4]) == [0.1, 1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="at most 4 kernel scalars"):
        fo.scalar_vector(0.1, hyper=(1, 2, 3, 4, 5))


def test_supported_dtype():
    f32, f64 = np.zeros(2, np.float32), np.zeros(2, np.float64)
    assert fo.supported_dtype([f32, f32]) == ("float32", None)
    assert fo.supported_dtype([f32, f64])[1] == "mixed variable dtypes ['float32', 'float64']"
    assert "float16" in fo.supported_dtype([np.zeros(1, np.float16)])[1]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown fused optimizer kind 'lion'"):
        fo.FusedUpdater("lion", 0, [3], [1], "float32", 1)


def _updater(kind, opts, sizes, dtype, nslots):
    """A FusedUpdater with its device tables on host-backed arrays (no uploads)."""
    u = fo.FusedUpdater.__new__(fo.FusedUpdater)
    u.kind, u.options = kind, opts
    u.dtype = dtype
    u.nt = len(sizes)
    u.nslots = nslots
    u.device_id = 0
    u.ncols = 2 + max(3, nslots)
    chunks = fo.chunk_table(sizes)
    u.nchunks = chunks.shape[1]
    u.grid = max(1, min(u.nchunks, fd.SM_COUNT * 8))
    u.sumsq_grid = max(1, min(u.nchunks, fd.SM_COUNT * 4))
    u.sizes = fd.device_array(np.asarray(sizes, np.int64))
    u.flags = fd.device_array(np.ones(len(sizes), np.int32))
    u.chunks = fd.device_array(chunks if chunks.size else np.zeros((2, 1), np.int64))
    u.ptrs = fd.device_array(np.zeros(u.ncols * u.nt, np.int64))
    u.scal = fd.device_array(np.zeros(fo.NSCAL, np.float64))
    u.clip_scale = fd.device_array(np.ones(1, dtype))
    u.partial = fd.device_array(np.zeros(u.sumsq_grid, np.float64))
    return u


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind,opts,nslots", [
    ("sgd", 0, 0), ("sgd", 8 | 16 | 1 | 4, 1), ("adam", 2 | 4 | 32, 3), ("rmsprop", 8 | 64, 3)])
def test_fused_optimizer_launches(checker, dtype, kind, opts, nslots):
    sizes = [3, 40000, 0] + [5] * 40  # 43 tensors: two cf_set_pointers launches
    u = _updater(kind, opts, sizes, dtype, nslots)
    grads = [fd.device_array(np.zeros(n, dtype)) for n in sizes]
    u.set_grads(grads)
    u.launch()
    names = checker.names()
    assert names[:2] == ["cf_set_pointers", "cf_set_pointers"]
    ct = fo._CTYPES[dtype]
    tail = ([f"cf_fused_sumsq<{ct}>", f"cf_fused_clip_scale<{ct}>"] if opts & fo.OPT_CLIP
            else []) + [f"cf_fused_{kind}<{ct}>"]
    assert names[2:] == tail
    # the pointer table received every gradient pointer, in order, in column 1
    ptr_args = [a for _, e, _, _, args in checker.launches if e == "cf_set_pointers"
                for a in args[2:2 + int(args[1])]]
    assert [int(p) for p in ptr_args] == [g.data.ptr for g in grads]
    first_dst = checker.launches[0][4][0]
    assert first_dst.data.ptr == u.ptrs.data.ptr + 8 * u.nt


def test_pointer_table_puts_params_and_slots_in_their_columns(checker):
    sizes = [3, 5]
    u = _updater("adam", fo.OPT_AMSGRAD, sizes, "float32", 3)
    params = [fd.device_array(np.zeros(n, np.float32)) for n in sizes]
    slots = [[fd.device_array(np.zeros(n, np.float32)) for n in sizes] for _ in range(3)]
    table = u.host_pointer_table(params, slots)
    assert table.shape == (5, 2)
    assert list(table[0]) == [a.data.ptr for a in params] and list(table[1]) == [0, 0]
    for j in range(3):
        assert list(table[2 + j]) == [a.data.ptr for a in slots[j]]
    sgd = _updater("sgd", 0, sizes, "float32", 0)
    # no slots: the unused columns repeat the parameters (any valid pointer)
    assert list(sgd.host_pointer_table(params, [])[4]) == [a.data.ptr for a in params]
