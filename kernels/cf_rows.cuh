// cf_rows.cuh - row-wise math (softmax family, row max/argmax, logsumexp) written once over a
// "reducer" so the same function runs
//   * serially on the host (cf_serial_reducer; the C++ host test),
//   * one thread per row on the GPU (cf_serial_reducer; short rows),
//   * one block per row on the GPU (cf_block_reducer; long rows, any length: threads stride).
// A reducer gives this thread's first column and stride, and all-reduce operations. Every thread
// of a block must reach every reduction (they contain barriers), so row functions never return
// early.
#pragma once
#include "cf_common.cuh"

struct cf_serial_reducer {
  CF_HD cf_index first() const { return 0; }
  CF_HD cf_index step() const { return 1; }
  template <class V> CF_HD V sum(V v) const { return v; }
  template <class V> CF_HD V max(V v) const { return v; }
  template <class V> CF_HD void argmax(V&, cf_index&) const {}
};

// NumPy's argmax order: NaN beats everything (first NaN wins), ties go to the lower index.
template <class V> CF_HD bool cf_argmax_better(V v, cf_index i, V w, cf_index j) {
  if (cf_isnan(v) || cf_isnan(w)) return cf_isnan(v) && (!cf_isnan(w) || i < j);
  return v > w || (v == w && i < j);
}

#ifdef CF_DEVICE_COMPILE
struct cf_sum_op {
  template <class V> __device__ V operator()(V a, V b) const { return a + b; }
};
struct cf_max_op {
  template <class V> __device__ V operator()(V a, V b) const { return cf_max(a, b); }
};

// All-reduce over a block whose size is a multiple of 32 (<= 1024). Deterministic: warps fold
// in a fixed butterfly order, then every thread folds the per-warp values in warp order.
template <class V, class Op> __device__ V cf_block_allreduce(V v, Op op) {
  __shared__ V warp_vals[32];
  const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  __syncthreads();  // a previous call may still be reading warp_vals
  if (lane == 0) warp_vals[warp] = v;
  __syncthreads();
  const unsigned nw = (blockDim.x + 31u) >> 5;
  v = warp_vals[0];
  for (unsigned w = 1; w < nw; ++w) v = op(v, warp_vals[w]);
  return v;
}

struct cf_block_reducer {
  __device__ cf_index first() const { return threadIdx.x; }
  __device__ cf_index step() const { return blockDim.x; }
  template <class V> __device__ V sum(V v) const { return cf_block_allreduce(v, cf_sum_op()); }
  template <class V> __device__ V max(V v) const { return cf_block_allreduce(v, cf_max_op()); }
  template <class V> __device__ void argmax(V& v, cf_index& i) const {
    __shared__ V vals[32];
    __shared__ cf_index idxs[32];
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    for (int o = 16; o > 0; o >>= 1) {
      V w = __shfl_xor_sync(0xffffffffu, v, o);
      cf_index j = __shfl_xor_sync(0xffffffffu, i, o);
      if (cf_argmax_better(w, j, v, i)) { v = w; i = j; }
    }
    __syncthreads();
    if (lane == 0) { vals[warp] = v; idxs[warp] = i; }
    __syncthreads();
    const unsigned nw = (blockDim.x + 31u) >> 5;
    v = vals[0];
    i = idxs[0];
    for (unsigned w = 1; w < nw; ++w)
      if (cf_argmax_better(vals[w], idxs[w], v, i)) { v = vals[w]; i = idxs[w]; }
  }
};

// Reducers as kernel template arguments, with the per_block flag the row loops need.
struct cf_block_r : cf_block_reducer { static const bool per_block = true; };
struct cf_thread_r : cf_serial_reducer { static const bool per_block = false; };

template <class R>
__device__ __forceinline__ cf_index cf_row_begin() {
  return R::per_block ? (cf_index)blockIdx.x : cf_tid();
}
template <class R>
__device__ __forceinline__ cf_index cf_row_stride() {
  return R::per_block ? (cf_index)gridDim.x : cf_nthreads();
}

#define CF_ROWS_LOOP(R) \
  for (cf_index row = cf_row_begin<R>(); row < rows; row += cf_row_stride<R>())

#endif

// ---- row functions. T: storage type, C: compute type, A: accumulator. ----------------------

template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_max(const R& r, const T* x, cf_index n) {
  typedef typename cf_compute<T>::type C;
  C m = -cf_inf<C>();
  for (cf_index j = r.first(); j < n; j += r.step()) m = cf_max(m, cf_load(x[j]));
  return r.max(m);
}

template <class T, class R>
CF_HD cf_index cf_row_argmax(const R& r, const T* x, cf_index n) {
  typedef typename cf_compute<T>::type C;
  C m = -cf_inf<C>();
  cf_index k = n;  // sentinel larger than any column: loses every tie
  for (cf_index j = r.first(); j < n; j += r.step()) {
    C v = cf_load(x[j]);
    if (k == n || cf_argmax_better(v, j, m, k)) { m = v; k = j; }
  }
  r.argmax(m, k);
  return k;
}

// sum_j exp(x_j - m) in the accumulator type.
template <class T, class R>
CF_HD typename cf_acc<T>::type cf_row_sumexp(const R& r, const T* x, cf_index n,
                                             typename cf_compute<T>::type m) {
  typename cf_acc<T>::type s = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) s += cf_exp(cf_load(x[j]) - m);
  return r.sum(s);
}

// logsumexp; a row whose max is +-inf returns that max (all -inf -> -inf, any +inf -> +inf).
template <class T, class R>
CF_HD typename cf_compute<T>::type cf_row_logsumexp(const R& r, const T* x, cf_index n) {
  typedef typename cf_compute<T>::type C;
  C m = cf_row_max(r, x, n);
  C safe_m = cf_isinf(m) ? C(0) : m;  // keeps every thread on the same reduction path
  typename cf_acc<T>::type s = cf_row_sumexp(r, x, n, safe_m);
  return cf_isinf(m) ? m : m + cf_log(C(s));
}

// softmax: y = exp(x - m) / sum. Rows with +inf or NaN give NaN, rows of all -inf give NaN.
template <class T, class R>
CF_HD void cf_row_softmax(const R& r, const T* x, T* y, cf_index n) {
  typedef typename cf_compute<T>::type C;
  C m = cf_row_max(r, x, n);
  C s = C(cf_row_sumexp(r, x, n, m));
  for (cf_index j = r.first(); j < n; j += r.step())
    y[j] = cf_from<T>(cf_exp(cf_load(x[j]) - m) / s);
}

template <class T, class R>
CF_HD void cf_row_log_softmax(const R& r, const T* x, T* y, cf_index n) {
  typedef typename cf_compute<T>::type C;
  C m = cf_row_max(r, x, n);
  C ls = cf_log(C(cf_row_sumexp(r, x, n, m)));
  for (cf_index j = r.first(); j < n; j += r.step()) y[j] = cf_from<T>((cf_load(x[j]) - m) - ls);
}

// softmax backward: dx = y * (dy - sum(dy * y)).
template <class T, class R>
CF_HD void cf_row_softmax_bwd(const R& r, const T* y, const T* dy, T* dx, cf_index n) {
  typedef typename cf_compute<T>::type C;
  typename cf_acc<T>::type s = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) s += cf_load(dy[j]) * cf_load(y[j]);
  C dot = C(r.sum(s));
  for (cf_index j = r.first(); j < n; j += r.step())
    dx[j] = cf_from<T>(cf_load(y[j]) * (cf_load(dy[j]) - dot));
}

// log_softmax backward: dx = dy - exp(y) * sum(dy).
template <class T, class R>
CF_HD void cf_row_log_softmax_bwd(const R& r, const T* y, const T* dy, T* dx, cf_index n) {
  typedef typename cf_compute<T>::type C;
  typename cf_acc<T>::type s = 0;
  for (cf_index j = r.first(); j < n; j += r.step()) s += cf_load(dy[j]);
  C tot = C(r.sum(s));
  for (cf_index j = r.first(); j < n; j += r.step())
    dx[j] = cf_from<T>(cf_load(dy[j]) - cf_exp(cf_load(y[j])) * tot);
}
