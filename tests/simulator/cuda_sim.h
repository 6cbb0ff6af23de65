// cuda_sim.h - run CUDA kernels (kernels/*.cu) on the CPU, compiled by the host C++ compiler.
//
// Force-included (g++ -include cuda_sim.h -DCF_SIM) in front of a kernel source. Every CUDA
// thread of a block is a fiber (ucontext): the block's threads run in turn on the launching
// thread, switching only at __syncthreads and warp shuffles, so
//   * __syncthreads is a real block barrier: a thread that exits while others wait at one, or
//     threads waiting at different barriers (divergence), is an error, not a hang;
//   * __shfl_*_sync waits for every lane of its mask at the same call; a mask naming a lane the
//     block does not have, lacking the calling lane or the source lane, lanes at different
//     shuffles, or a lane that never arrives, is an error;
//   * __shared__ variables live in one ELF section, refilled with 0xFF bytes (NaN in every float
//     width, -1 in every integer) at each block's start, so a read before a write shows;
//   * float4 loads/stores are checked for 16-byte alignment and fixed-size arrays (shared memory
//     included) for bounds by UBSan instrumentation (-fsanitize=alignment,bounds) whose handlers
//     are defined below: a violation fails the launch with file and line;
//   * a block above 1024 threads or a grid outside CUDA's limits is refused.
// Blocks run one after another (a block never waits for another one: cuflow's kernels do not,
// and CUDA does not promise that blocks run concurrently either). The reversed schedule
// (cfsim_set_reverse) runs the blocks last to first and sweeps each block's threads from the
// highest index down: a kernel whose result depends on the order of blocks, or a thread that
// reads what a lower thread wrote without a barrier between, gives another answer under it.
// A launch returns 0 or 1; cfsim_error() then names the first error.
#pragma once
#define CF_SIM 1
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include <string>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
#define __shared__ __attribute__((section("cfsim_shared"))) static

struct uint3 { unsigned x, y, z; };
typedef uint3 dim3;
struct alignas(16) float4 { float x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

// The scheduler sets these before it resumes a thread (all threads run on one OS thread).
inline uint3 threadIdx, blockIdx, blockDim, gridDim;

extern "C" char __start_cfsim_shared[] __attribute__((weak));
extern "C" char __stop_cfsim_shared[] __attribute__((weak));

namespace cf_sim {

enum State { READY, AT_BARRIER, AT_SHFL, DONE };

struct Thread {
  ucontext_t ctx;
  uint3 idx;
  State state;
  int line;             // source line of the barrier / shuffle it waits at
  unsigned mask;        // shuffle mask
  int src;              // shuffle source lane
  unsigned long long val, out;
};

struct Sim {
  std::vector<Thread> threads;
  std::vector<char> stacks;
  ucontext_t main_ctx, proto;
  bool have_proto = false;
  int cur = -1;
  unsigned nthreads = 0;
  bool failed = false;
  bool reverse = false;  // blocks last to first, threads highest first
  std::string error;
  void (*body)(void**) = nullptr;
  void** args = nullptr;
};
inline Sim sim;
constexpr size_t kStack = 64 * 1024;

inline void describe(char* buf, size_t n, const uint3& t) {
  snprintf(buf, n, "thread (%u,%u,%u) of block (%u,%u,%u)", t.x, t.y, t.z, blockIdx.x,
           blockIdx.y, blockIdx.z);
}

// Record the first error; inside a thread, stop it (the launch is abandoned).
inline void fail(const std::string& msg) {
  if (!sim.failed) { sim.failed = true; sim.error = msg; }
  if (sim.cur >= 0) swapcontext(&sim.threads[sim.cur].ctx, &sim.main_ctx);
}

inline void fail_here(const char* what, int line) {
  char who[96], buf[320];
  describe(who, sizeof who, sim.threads[sim.cur].idx);
  snprintf(buf, sizeof buf, "%s (line %d, %s)", what, line, who);
  fail(buf);
}

inline void yield(State s, int line) {
  Thread& t = sim.threads[sim.cur];
  t.state = s;
  t.line = line;
  swapcontext(&t.ctx, &sim.main_ctx);
}

inline unsigned linear(const uint3& t) {
  return t.x + t.y * blockDim.x + t.z * blockDim.x * blockDim.y;
}

inline void syncthreads(int line) { yield(AT_BARRIER, line); }

// A warp shuffle: deposit this lane's value, wait for every lane of the mask, read the source's.
inline unsigned long long shfl(unsigned mask, unsigned long long v, int src_lane, int line) {
  const unsigned me = linear(sim.threads[sim.cur].idx), lane = me & 31u, base = me - lane;
  char buf[200];
  if (!(mask >> lane & 1u)) fail_here("__shfl_sync: the calling lane is not in the mask", line);
  for (unsigned l = 0; l < 32; ++l)
    if ((mask >> l & 1u) && base + l >= sim.nthreads) {
      snprintf(buf, sizeof buf, "__shfl_sync: mask 0x%08x names lane %u, which this block of %u "
               "threads does not have (a partial warp)", mask, l, sim.nthreads);
      fail_here(buf, line);
    }
  if (src_lane < 0 || src_lane > 31 || !(mask >> src_lane & 1u)) {
    snprintf(buf, sizeof buf, "__shfl_sync: source lane %d is not in the mask 0x%08x", src_lane,
             mask);
    fail_here(buf, line);
  }
  Thread& t = sim.threads[sim.cur];
  t.mask = mask, t.src = src_lane, t.val = v, t.line = line;
  bool all = true;
  for (unsigned l = 0; l < 32; ++l) {
    if (!(mask >> l & 1u) || l == lane) continue;
    const Thread& o = sim.threads[base + l];
    if (o.state == AT_SHFL && (o.line != line || o.mask != mask)) {
      snprintf(buf, sizeof buf, "__shfl_sync: divergent shuffles in one warp (lane %u waits at "
               "line %d with mask 0x%08x)", l, o.line, o.mask);
      fail_here(buf, line);
    }
    if (o.state != AT_SHFL) all = false;
  }
  if (!all) {
    yield(AT_SHFL, line);
    return sim.threads[sim.cur].out;
  }
  for (unsigned l = 0; l < 32; ++l)  // the last lane to arrive hands out every lane's result
    if (mask >> l & 1u) {
      Thread& o = sim.threads[base + l];
      o.out = sim.threads[base + o.src].val;
      o.state = READY;
    }
  return sim.threads[sim.cur].out;
}

inline void entry() {
  sim.body(sim.args);
  sim.threads[sim.cur].state = DONE;
  swapcontext(&sim.threads[sim.cur].ctx, &sim.main_ctx);
}

inline bool run_block() {
  const unsigned n = sim.nthreads;
  if (__start_cfsim_shared != __stop_cfsim_shared)
    memset(__start_cfsim_shared, 0xFF, __stop_cfsim_shared - __start_cfsim_shared);
  for (unsigned i = 0; i < n; ++i) {
    Thread& t = sim.threads[i];
    t.idx = uint3{i % blockDim.x, i / blockDim.x % blockDim.y, i / (blockDim.x * blockDim.y)};
    t.state = READY;
    t.ctx = sim.proto;
    t.ctx.uc_stack.ss_sp = sim.stacks.data() + i * kStack;
    t.ctx.uc_stack.ss_size = kStack;
    t.ctx.uc_link = &sim.main_ctx;
    makecontext(&t.ctx, entry, 0);
  }
  char buf[320], who[96];
  // Two schedules, by block parity, so that a missing barrier shows under one of them: even
  // blocks sweep every ready thread in turn (each thread runs up to its next barrier or
  // shuffle), odd blocks always resume the lowest ready thread (warp 0 races ahead of the rest).
  const bool lowest_first =
      (blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z)) & 1u;
  const bool rev = sim.reverse;
  for (;;) {
    bool ran = false;
    for (unsigned c = 0; c < n && !sim.failed;) {  // c: position in the sweep
      const unsigned i = rev ? n - 1 - c : c;
      if (sim.threads[i].state != READY) { ++c; continue; }
      sim.cur = (int)i;
      threadIdx = sim.threads[i].idx;
      swapcontext(&sim.main_ctx, &sim.threads[i].ctx);
      ran = true;
      // back to the first thread of i's warp in sweep order: a shuffle readies lanes of the
      // same warp only
      if (!lowest_first)
        ++c;
      else
        c = rev ? n - 1 - ((i | 31u) < n - 1 ? (i | 31u) : n - 1) : i & ~31u;
    }
    sim.cur = -1;
    if (sim.failed) return false;
    if (ran) continue;
    unsigned done = 0, bar = 0, shf = 0, first_bar = n, first_shf = n, first_done = n;
    for (unsigned i = 0; i < n; ++i) {
      const State s = sim.threads[i].state;
      if (s == DONE) { ++done; if (first_done == n) first_done = i; }
      if (s == AT_BARRIER) { ++bar; if (first_bar == n) first_bar = i; }
      if (s == AT_SHFL) { ++shf; if (first_shf == n) first_shf = i; }
    }
    if (done == n) return true;
    if (shf) {
      describe(who, sizeof who, sim.threads[first_shf].idx);
      snprintf(buf, sizeof buf, "__shfl_sync at line %d: %s waits for lanes of mask 0x%08x that "
               "never arrive (%u threads exited, %u wait at __syncthreads)",
               sim.threads[first_shf].line, who, sim.threads[first_shf].mask, done, bar);
      fail(buf);
      return false;
    }
    if (done) {
      describe(who, sizeof who, sim.threads[first_done].idx);
      snprintf(buf, sizeof buf, "__syncthreads at line %d: %u threads wait there, but %s (and "
               "%u more) exited: a barrier not reached by the whole block",
               sim.threads[first_bar].line, bar, who, done - 1);
      fail(buf);
      return false;
    }
    const int line = sim.threads[first_bar].line;
    for (unsigned i = 0; i < n; ++i)
      if (sim.threads[i].line != line) {
        describe(who, sizeof who, sim.threads[i].idx);
        snprintf(buf, sizeof buf, "divergent __syncthreads: %s waits at line %d, thread 0's "
                 "first peer at line %d", who, sim.threads[i].line, line);
        fail(buf);
        return false;
      }
    for (unsigned i = 0; i < n; ++i) sim.threads[i].state = READY;
  }
}

inline int launch(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                  void (*body)(void**), void** args) {
  sim.failed = false;
  sim.error.clear();
  char buf[200];
  const unsigned long long nt = (unsigned long long)bx * by * bz;
  if (!bx || !by || !bz || !gx || !gy || !gz || bx > 1024 || by > 1024 || bz > 64 || nt > 1024 ||
      gy > 65535 || gz > 65535 || gx > 2147483647u) {
    snprintf(buf, sizeof buf, "launch grid (%u,%u,%u) block (%u,%u,%u) outside CUDA's limits",
             gx, gy, gz, bx, by, bz);
    sim.failed = true;
    sim.error = buf;
    return 1;
  }
  if (!sim.have_proto) { getcontext(&sim.proto); sim.have_proto = true; }
  sim.nthreads = (unsigned)nt;
  if (sim.threads.size() < nt) sim.threads.resize(nt);
  if (sim.stacks.size() < nt * kStack) sim.stacks.resize(nt * kStack);
  sim.body = body;
  sim.args = args;
  blockDim = uint3{bx, by, bz};
  gridDim = uint3{gx, gy, gz};
  const unsigned long long nb = (unsigned long long)gx * gy * gz;
  for (unsigned long long k = 0; k < nb; ++k) {
    const unsigned long long b = sim.reverse ? nb - 1 - k : k;
    blockIdx = uint3{(unsigned)(b % gx), (unsigned)(b / gx % gy), (unsigned)(b / gx / gy)};
    if (!run_block()) return 1;
  }
  return 0;
}

// ---- UBSan handlers: alignment (float4) and array bounds (shared memory) ---------------------
struct SourceLocation { const char* file; unsigned line, column; };
struct TypeDescriptor { unsigned short kind, info; char name[1]; };
struct TypeMismatchData {
  SourceLocation loc;
  const TypeDescriptor* type;
  unsigned char log_alignment, kind;
};
struct OutOfBoundsData { SourceLocation loc; const TypeDescriptor *array, *index; };

}  // namespace cf_sim

// Defined (not inline) here: the header is force-included in exactly one translation unit.
extern "C" {
void __ubsan_handle_type_mismatch_v1(cf_sim::TypeMismatchData* d, uintptr_t p) {
  char buf[300];
  if (!p)
    snprintf(buf, sizeof buf, "null pointer dereference of %s at %s:%u", d->type->name,
             d->loc.file, d->loc.line);
  else
    snprintf(buf, sizeof buf, "misaligned access: address 0x%lx of %s needs %u-byte alignment "
             "at %s:%u", (unsigned long)p, d->type->name, 1u << d->log_alignment, d->loc.file,
             d->loc.line);
  cf_sim::fail(buf);
}
void __ubsan_handle_out_of_bounds(cf_sim::OutOfBoundsData* d, uintptr_t index) {
  char buf[300];
  snprintf(buf, sizeof buf, "index %ld out of bounds of %s at %s:%u", (long)index,
           d->array->name, d->loc.file, d->loc.line);
  cf_sim::fail(buf);
}
const char* cfsim_error() { return cf_sim::sim.error.c_str(); }
}

// ---- CUDA device functions the kernels use ---------------------------------------------------
#define __syncthreads() cf_sim::syncthreads(__LINE__)

template <class V> inline V cf_sim_shfl(unsigned mask, V v, int src, int line) {
  static_assert(sizeof(V) <= 8, "shuffles move at most 8 bytes");
  unsigned long long bits = 0;
  memcpy(&bits, &v, sizeof(V));
  bits = cf_sim::shfl(mask, bits, src, line);
  memcpy(&v, &bits, sizeof(V));
  return v;
}
inline int cf_sim_lane() { return (int)(cf_sim::linear(threadIdx) & 31u); }
#define __shfl_xor_sync(mask, v, o, ...) cf_sim_shfl(mask, v, cf_sim_lane() ^ (o), __LINE__)
#define __shfl_sync(mask, v, s, ...) cf_sim_shfl(mask, v, (s), __LINE__)
#define __shfl_down_sync(mask, v, d, ...)                                               \
  cf_sim_shfl(mask, v, cf_sim_lane() + (d) > 31 ? cf_sim_lane() : cf_sim_lane() + (d), \
              __LINE__)

// One OS thread runs every emulated thread and switches only at barriers: atomics are plain.
template <class V> inline V cf_sim_atomic_add(V* p, V v) {
  V old = *p;
  *p = old + v;
  return old;
}
inline float atomicAdd(float* p, float v) { return cf_sim_atomic_add(p, v); }
inline double atomicAdd(double* p, double v) { return cf_sim_atomic_add(p, v); }
inline int atomicAdd(int* p, int v) { return cf_sim_atomic_add(p, v); }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) {
  return cf_sim_atomic_add(p, v);
}

inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
inline double __longlong_as_double(long long i) { double d; memcpy(&d, &i, 8); return d; }
// Round-to-nearest intrinsics: the host build never contracts (-ffp-contract=off).
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return sqrtf(a); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __dsqrt_rn(double a) { return sqrt(a); }

// The PTX cvt instructions of cf_common.cuh's cf_half, on the host: _Float16 conversions round
// to nearest even once (double -> half directly, as cvt.rn.f16.f64).
inline unsigned short cf_sim_half_bits(_Float16 h) { unsigned short b; memcpy(&b, &h, 2); return b; }
inline float cf_sim_f16_to_f32(unsigned short b) { _Float16 h; memcpy(&h, &b, 2); return (float)h; }
inline unsigned short cf_sim_f32_to_f16(float f) { return cf_sim_half_bits((_Float16)f); }
inline unsigned short cf_sim_f64_to_f16(double d) { return cf_sim_half_bits((_Float16)d); }
