"""The simulator's own tests: deliberately broken kernels, written here, must fail their launch
with a message naming the fault (a removed or divergent barrier, a partial-warp shuffle, an
off-by-one write, a wrong argument width, a misaligned float4, a shared-memory read before any
write, an out-of-range shared index, an oversized block); their correct twins must pass."""

from __future__ import annotations

import numpy as np
import pytest

from ..backend.cuda import _fake_device as fd
from . import _sim
from ._twin import get, put

KERNELS = r"""
#include "cf_common.cuh"
// block sum through shared memory; `fence` 0 removes the barrier between write and read
__global__ void CF_MAX_1024 block_sum(const float* x, float* out, int fence) {
  __shared__ float vals[1024];
  vals[threadIdx.x] = x[threadIdx.x];
  if (fence) __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0;
    for (unsigned i = 0; i < blockDim.x; ++i) s += vals[i];
    out[0] = s;
  }
}
// warp sum by shuffles; `active` lanes take part (all of them when active >= 32)
__global__ void warp_sum(const float* x, float* out, int active) {
  float v = x[threadIdx.x];
  if ((int)threadIdx.x < active)
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if (threadIdx.x == 0) out[0] = v;
}
// y = 2x; `extra` 1 writes one element too many
__global__ void twice(const float* x, float* y, cf_index n, cf_index extra) {
  for (cf_index i = cf_tid(); i < n + extra; i += cf_nthreads()) y[i] = 2 * x[i < n ? i : 0];
}
__global__ void takes_int(float* y, int n) {
  if (cf_tid() < n) y[cf_tid()] = 1;
}
__global__ void copy4(const float4* x, float4* y, cf_index n4) {
  for (cf_index i = cf_tid(); i < n4; i += cf_nthreads()) y[i] = x[i];
}
// float4 loads at x + off: misaligned unless off % 4 == 0
__global__ void load4_at(const float* x, float* y, cf_index off) {
  if (cf_tid() == 0) {
    float4 v = *reinterpret_cast<const float4*>(x + off);
    y[0] = v.x + v.y + v.z + v.w;
  }
}
// threads below `half` wait at a barrier the others never reach
__global__ void divergent(float* y, int half) {
  if ((int)threadIdx.x < half) __syncthreads();
  y[threadIdx.x] = 1;
}
__global__ void read_before_write(float* y) {
  __shared__ float s[64];
  if (threadIdx.x > 0) s[threadIdx.x] = 1;
  __syncthreads();
  y[threadIdx.x] = s[threadIdx.x];
}
__global__ void shared_index(float* y, int k) {
  __shared__ float s[32];
  s[threadIdx.x] = 1;
  __syncthreads();
  if (threadIdx.x == 0) y[0] = s[k];
}
__global__ void unbounded(float* y) { y[threadIdx.x] = 1; }
// two block reductions through one shared array; `fence` 0 removes the barrier that keeps the
// second reduction's writes from overtaking the first one's reads
__global__ void reduce_twice(const float* x, float* out, int fence) {
  __shared__ float vals[32];
  float r[2];
  for (int k = 0; k < 2; ++k) {
    float v = x[threadIdx.x] * (k + 1);
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (fence) __syncthreads();
    if ((threadIdx.x & 31u) == 0) vals[threadIdx.x >> 5] = v;
    __syncthreads();
    float s = 0;
    for (unsigned w = 0; w < blockDim.x / 32; ++w) s += vals[w];
    r[k] = s;
  }
  out[blockIdx.x * blockDim.x + threadIdx.x] = r[0];
}
// each block writes its own slot, then reads the previous block's: no grid-wide barrier exists,
// so what it reads depends on which block ran first
__global__ void read_other_block(float* y, float* seen) {
  if (threadIdx.x == 0) {
    y[blockIdx.x] = blockIdx.x + 1.0f;
    seen[blockIdx.x] = blockIdx.x ? y[blockIdx.x - 1] : 0.0f;
  }
}
// each thread writes shared memory, then reads its lower neighbour's slot; `fence` 0 removes the
// barrier between
__global__ void read_neighbour(const float* x, float* y, int fence) {
  __shared__ float s[64];
  s[threadIdx.x] = x[threadIdx.x];
  if (fence) __syncthreads();
  y[threadIdx.x] = threadIdx.x ? s[threadIdx.x - 1] : 0.0f;
}
"""
NAMES = ["block_sum", "warp_sum", "twice", "takes_int", "copy4", "load4_at", "divergent",
         "read_before_write", "shared_index", "unbounded", "reduce_twice", "read_other_block",
         "read_neighbour"]


@pytest.fixture
def selftest(monkeypatch, sim_build_dir):
    with _sim.sim_arrays() as arena:
        s = _sim.Simulator(sim_build_dir, arena)
        s.add_source("selftest.cu", KERNELS, NAMES)
        fd.install(monkeypatch, s)
        yield s


@pytest.fixture
def k(selftest):
    return lambda name: selftest.get_kernel("selftest.cu", name)


def _i(v):
    return np.int32(v)


def _l(v):
    return np.int64(v)


def test_signatures_come_from_the_compiler(k):
    assert k("twice").params == ["float const*", "float*", "long long", "long long"]
    assert k("copy4").params == ["float4 const*", "float4*", "long long"]


@pytest.mark.parametrize("threads", [32, 33, 256, 1024])
def test_block_barrier(k, threads):
    x = np.arange(threads, dtype=np.float32)
    out = put(np.zeros(1, np.float32))
    k("block_sum")((1,), (threads,), (put(x), out, _i(1)))
    assert get(out)[0] == x.sum()
    k("block_sum")((1,), (threads,), (put(x), out, _i(0)))  # barrier removed
    assert np.isnan(get(out)[0])  # thread 0 summed the poisoned shared memory of the others


def test_race_between_two_reductions(k):
    x = np.arange(64, dtype=np.float32)
    out = put(np.zeros(128, np.float32))
    k("reduce_twice")((2,), (64,), (put(x), out, _i(1)))
    assert (get(out) == x.sum()).all()
    k("reduce_twice")((2,), (64,), (put(x), out, _i(0)))
    got = get(out).reshape(2, 64)
    # block 0 (threads in turn) hides the race; block 1 (lowest thread first) shows it: warp 0
    # wrote its second sum before warp 1 read the first
    assert (got[0] == x.sum()).all() and (got[1, 32:] != x.sum()).all()


def test_warp_shuffles(k):
    x = np.arange(64, dtype=np.float32)
    out = put(np.zeros(1, np.float32))
    k("warp_sum")((1,), (64,), (put(x), out, _i(64)))
    assert get(out)[0] == x[:32].sum()
    with pytest.raises(_sim.SimError, match="never arrive"):
        k("warp_sum")((1,), (64,), (put(x), out, _i(16)))  # half the warp skips the shuffle
    with pytest.raises(_sim.SimError, match="partial warp"):
        k("warp_sum")((1,), (48,), (put(x), out, _i(48)))  # the block ends mid-warp


def test_off_by_one_write(k):
    x = np.arange(300, dtype=np.float32)
    y = put(np.zeros(300, np.float32))
    k("twice")((2,), (128,), (put(x), y, _l(300), _l(0)))
    np.testing.assert_array_equal(get(y), 2 * x)
    with pytest.raises(_sim.SimError, match="past the end of a 1200-byte buffer"):
        k("twice")((2,), (128,), (put(x), y, _l(300), _l(1)))


def test_wrong_argument_width(k):
    y = put(np.zeros(4, np.float32))
    k("takes_int")((1,), (32,), (y, _i(4)))
    with pytest.raises(fd.LaunchError, match="expected int32, received int64"):
        k("takes_int")((1,), (32,), (y, _l(4)))
    with pytest.raises(fd.LaunchError, match="expected elements of float, received float64"):
        k("takes_int")((1,), (32,), (put(np.zeros(4)), _i(4)))
    with pytest.raises(fd.LaunchError, match="2 arguments for 4 parameters"):
        k("twice")((1,), (32,), (y, y))


def test_misaligned_float4(k):
    x = np.arange(16, dtype=np.float32)
    y = put(np.zeros(16, np.float32))
    k("copy4")((1,), (32,), (put(x), y, _l(4)))
    np.testing.assert_array_equal(get(y), x)
    with pytest.raises(fd.LaunchError, match="not 16-byte aligned"):
        k("copy4")((1,), (32,), (put(x, misaligned=True), y, _l(3)))
    k("load4_at")((1,), (32,), (put(x), y, _l(4)))
    assert get(y)[0] == x[4:8].sum()
    with pytest.raises(_sim.SimError, match="misaligned access.*needs 16-byte alignment"):
        k("load4_at")((1,), (32,), (put(x), y, _l(1)))


def test_divergent_barrier(k):
    y = put(np.zeros(64, np.float32))
    k("divergent")((1,), (64,), (y, _i(64)))
    with pytest.raises(_sim.SimError, match="__syncthreads at line .*: 32 threads wait there"):
        k("divergent")((1,), (64,), (y, _i(32)))


def test_shared_memory_is_poisoned(k):
    y = put(np.zeros(64, np.float32))
    k("read_before_write")((1,), (64,), (y,))
    got = get(y)
    assert np.isnan(got[0]) and (got[1:] == 1).all()


def test_shared_index_out_of_range(k):
    y = put(np.zeros(1, np.float32))
    k("shared_index")((1,), (32,), (y, _i(31)))
    with pytest.raises(_sim.SimError, match="index 32 out of bounds"):
        k("shared_index")((1,), (32,), (y, _i(32)))


def test_launch_limits(k):
    y = put(np.zeros(2048, np.float32))
    with pytest.raises(fd.LaunchError, match="outside CUDA's limits"):
        k("unbounded")((1,), (2048,), (y,))
    with pytest.raises(fd.LaunchError, match="no __launch_bounds__"):
        k("unbounded")((1,), (512,), (y,))
    k("unbounded")((1,), (256,), (y,))
    k("block_sum")((1,), (1024,), (put(np.ones(1024, np.float32)), y, _i(1)))


def _under(s, reverse, launch):
    s.reverse = reverse
    try:
        return launch()
    finally:
        s.reverse = False


def test_reversed_schedule_shows_a_race_between_blocks(selftest):
    kern = selftest.get_kernel("selftest.cu", "read_other_block")

    def run():
        y, seen = put(np.zeros(4, np.float32)), put(np.zeros(4, np.float32))
        kern((4,), (32,), (y, seen))
        return get(seen)

    in_order, backwards = run(), _under(selftest, True, run)
    np.testing.assert_array_equal(in_order, [0, 1, 2, 3])  # earlier blocks had written
    np.testing.assert_array_equal(backwards, [0, 0, 0, 0])  # later blocks ran first


@pytest.mark.parametrize("reverse", [False, True])
def test_reversed_schedule_shows_a_missing_barrier_between_neighbours(selftest, reverse):
    kern = selftest.get_kernel("selftest.cu", "read_neighbour")
    x = np.arange(1, 65, dtype=np.float32)
    want = np.concatenate([[0], x[:-1]])

    def run(fence):
        y = put(np.zeros(64, np.float32))
        kern((1,), (64,), (put(x), y, _i(fence)))
        return get(y)

    np.testing.assert_array_equal(_under(selftest, reverse, lambda: run(1)), want)
    got = _under(selftest, reverse, lambda: run(0))
    if reverse:  # each thread ran before its lower neighbour wrote: it read the poison
        assert np.isnan(got[1:]).all()
    else:  # threads in turn: the race stays hidden, which is why both schedules run
        np.testing.assert_array_equal(got, want)
