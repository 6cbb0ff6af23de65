// reductions.cu - batch and global reductions. All are deterministic (fixed reduction order, no
// floating-point atomics) so eager runs and CUDA-graph replays agree bit for bit.
#include "cf_rows.cuh"

// ---- sum over axis 0 of a (b, m) matrix (bias gradients) -----------------------------------
// Pass 1: block (32, 8) covers 32 columns of one chunk of rows; threads walk the chunk with a
// stride of 8 rows (coalesced 32-wide reads), then the 8 partial sums are folded in shared
// memory. partial[chunk * m + col] is a double. Pass 2 folds the chunks per column.
template <class T>
__global__ void cf_sum_batch_fwd(const T* x, double* partial, cf_index b, cf_index m,
                                 cf_index rows_per_chunk) {
  __shared__ double acc[8][33];
  const cf_index col = (cf_index)blockIdx.x * 32 + threadIdx.x;
  const cf_index r0 = (cf_index)blockIdx.y * rows_per_chunk;
  cf_index r1 = r0 + rows_per_chunk;
  if (r1 > b) r1 = b;
  double s = 0;
  if (col < m)
    for (cf_index r = r0 + threadIdx.y; r < r1; r += 8) s += (double)cf_load(x[r * m + col]);
  acc[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && col < m) {
    for (int k = 1; k < 8; ++k) s += acc[k][threadIdx.x];
    partial[(cf_index)blockIdx.y * m + col] = s;
  }
}

template <class T>
__global__ void cf_sum_batch_finish(const double* partial, T* out, cf_index chunks, cf_index m) {
  for (cf_index col = cf_tid(); col < m; col += cf_nthreads()) {
    double s = 0;
    for (cf_index c = 0; c < chunks; ++c) s += partial[c * m + col];
    out[col] = cf_from_double<T>(s);
  }
}

// ---- global L2 norm over several arrays ------------------------------------------------------
// Each array's launch writes gridDim.x block partial sums of squares (double) into its own slot
// of `partial`; the finish kernel (one block) folds all slots and writes sqrt in the output dtype.
template <class T>
__global__ void cf_sumsq_partial(const T* x, cf_index n, double* partial) {
  double s = 0;
  for (cf_index i = cf_tid(); i < n; i += cf_nthreads()) {
    double v = (double)cf_load(x[i]);
    s += v * v;
  }
  cf_block_reducer r;
  s = r.sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

template <class T>
__global__ void CF_MAX_1024 cf_global_l2_norm_fwd(const double* partial, cf_index count, T* out) {
  double s = 0;
  for (cf_index i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  cf_block_reducer r;
  s = r.sum(s);
  if (threadIdx.x == 0) out[0] = cf_from_double<T>(sqrt(s));
}

// ---- accuracy counts (int64 on the device, integer atomics are exact) ------------------------
// kind 0 (sparse): argmax(p_row) == labels[row]; kind 1 (categorical): argmax(p) == argmax(t).
template <class T, class L, class R>
__global__ void CF_MAX_1024 cf_accuracy_fwd(const T* p, const T* t, const L* labels,
                                unsigned long long* count, cf_index rows, cf_index n, int kind) {
  R r;
  unsigned long long hits = 0;
  CF_ROWS_LOOP(R) {
    cf_index kp = cf_row_argmax(r, p + row * n, n);
    cf_index kt = kind == 0 ? (cf_index)labels[row] : cf_row_argmax(r, t + row * n, n);
    hits += (kp == kt) ? 1ull : 0ull;
  }
  if (hits && (!R::per_block || threadIdx.x == 0)) atomicAdd(count, hits);
}

// binary: (p > threshold) == t, elementwise over n values (t already in p's dtype). The threshold
// is rounded to p's dtype first and compared there, as Keras (ops.cast(threshold, y_pred.dtype))
// and the NumPy twin: in float16, 0.3 is 0.30005, so p = float16(0.3) is not above it.
template <class T>
__global__ void cf_binary_accuracy_fwd(const T* p, const T* t, unsigned long long* count,
                                       cf_index n, double threshold) {
  typedef typename cf_compute<T>::type C;
  const C thr = cf_load(cf_from_double<T>(threshold));
  unsigned long long hits = 0;
  for (cf_index i = cf_tid(); i < n; i += cf_nthreads()) {
    C pred = cf_load(p[i]) > thr ? C(1) : C(0);
    hits += (pred == cf_load(t[i])) ? 1ull : 0ull;
  }
  cf_block_reducer red;
  hits = red.sum(hits);
  if (threadIdx.x == 0 && hits) atomicAdd(count, hits);
}
