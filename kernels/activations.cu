// activations.cu - elementwise activation kernels cf_<name>_fwd / cf_<name>_bwd, and the Dense
// epilogue cf_bias_<name>_fwd / cf_bias_<name>_bwd (bias add + activation, one pass each way).
//
// Scalar kernels: templates over float, double and cf_half (math in float for half), grid-stride,
// 64-bit indices. The _vec4 kernels are the float32 fast path: the wrapper launches them when
// every pointer is 16-byte aligned and n is large, over n / 4 float4 groups, and the scalar kernel
// over the tail. Alpha arrives as double so one launch signature serves every dtype.
#include "cf_activations.cuh"

template <class Act, class T>
__device__ __forceinline__ void cf_act_fwd_body(const T* __restrict__ x, T* __restrict__ y,
                                                cf_index n, double alpha) {
  typedef typename cf_compute<T>::type C;
  const C a = C(alpha);
  for (cf_index i = cf_tid(); i < n; i += cf_nthreads()) y[i] = cf_from<T>(Act::fwd(cf_load(x[i]), a));
}

template <class Act, class T>
__device__ __forceinline__ void cf_act_bwd_body(const T* __restrict__ x, const T* __restrict__ y,
                                                const T* __restrict__ dy, T* __restrict__ dx,
                                                cf_index n, double alpha) {
  typedef typename cf_compute<T>::type C;
  const C a = C(alpha);
  for (cf_index i = cf_tid(); i < n; i += cf_nthreads())
    dx[i] = cf_from<T>(Act::bwd(cf_load(x[i]), cf_load(y[i]), cf_load(dy[i]), a));
}

template <class Act>
__device__ __forceinline__ void cf_act_fwd_vec4_body(const float4* __restrict__ x,
                                                     float4* __restrict__ y, cf_index n4,
                                                     double alpha) {
  const float a = float(alpha);
  for (cf_index i = cf_tid(); i < n4; i += cf_nthreads()) {
    float4 v = x[i];
    v.x = Act::fwd(v.x, a);
    v.y = Act::fwd(v.y, a);
    v.z = Act::fwd(v.z, a);
    v.w = Act::fwd(v.w, a);
    y[i] = v;
  }
}

template <class Act>
__device__ __forceinline__ void cf_act_bwd_vec4_body(const float4* __restrict__ x,
                                                     const float4* __restrict__ y,
                                                     const float4* __restrict__ dy,
                                                     float4* __restrict__ dx, cf_index n4,
                                                     double alpha) {
  const float a = float(alpha);
  for (cf_index i = cf_tid(); i < n4; i += cf_nthreads()) {
    float4 xv = x[i], yv = y[i], g = dy[i];
    g.x = Act::bwd(xv.x, yv.x, g.x, a);
    g.y = Act::bwd(xv.y, yv.y, g.y, a);
    g.z = Act::bwd(xv.z, yv.z, g.z, a);
    g.w = Act::bwd(xv.w, yv.w, g.w, a);
    dx[i] = g;
  }
}

// The vec4 kernels are templates (instantiated for float only) so every kernel is reached the
// same way, through a name expression.
#define CF_ACT_KERNELS(name)                                                                  \
  template <class T>                                                                          \
  __global__ void cf_##name##_fwd(const T* x, T* y, cf_index n, double alpha) {               \
    cf_act_fwd_body<cf_act_##name>(x, y, n, alpha);                                           \
  }                                                                                           \
  template <class T>                                                                          \
  __global__ void cf_##name##_bwd(const T* x, const T* y, const T* dy, T* dx, cf_index n,     \
                                  double alpha) {                                             \
    cf_act_bwd_body<cf_act_##name>(x, y, dy, dx, n, alpha);                                   \
  }                                                                                           \
  template <class T>                                                                          \
  __global__ void cf_##name##_fwd_vec4(const float4* x, float4* y, cf_index n4, double alpha) { \
    cf_act_fwd_vec4_body<cf_act_##name>(x, y, n4, alpha);                                     \
  }                                                                                           \
  template <class T>                                                                          \
  __global__ void cf_##name##_bwd_vec4(const float4* x, const float4* y, const float4* dy,    \
                                       float4* dx, cf_index n4, double alpha) {               \
    cf_act_bwd_vec4_body<cf_act_##name>(x, y, dy, dx, n4, alpha);                             \
  }

CF_ACTIVATION_LIST(CF_ACT_KERNELS)

// ---- the Dense epilogue: bias add + activation forward, activation gradient + bias
// gradient backward, each one launch (plus a column fold when the batch is split in chunks).
//
// Forward, over a row-major (rows, n) GEMM output z:
//   pre = round_T(z + bias[col]);  y = f(pre)
// pre is written only when the backward needs it (`pre` non-null); otherwise y may alias z, so
// the epilogue reuses the GEMM buffer and writes each element once. Rounding pre to T before f
// keeps float16 equal to the unfused z += bias; f(z) of the NumPy twin.
//
// Backward, block (32, 8) over 32 columns of one chunk of rows (coalesced 32-wide reads):
//   dz = dy * f'(x);  db[col] = sum over rows of round_T(dz)  (double, fixed order)
// With a single chunk the block writes db itself; otherwise each chunk writes a double partial
// and cf_sum_batch_finish (reductions.cu) folds them. Deterministic: no floating-point atomics.
// For relu, relu6 and linear the wrapper passes y as x (same sign, range and NaNs).

template <class Act, class T>
__device__ __forceinline__ void cf_bias_act_fwd_body(const T* z, const T* __restrict__ bias,
                                                     T* pre, T* y, cf_index rows, cf_index n,
                                                     double alpha) {
  typedef typename cf_compute<T>::type C;
  const C a = C(alpha);
  const cf_index total = rows * n;
  for (cf_index i = cf_tid(); i < total; i += cf_nthreads()) {
    const T p = cf_from<T>(cf_load(z[i]) + cf_load(bias[i % n]));
    if (pre) pre[i] = p;
    y[i] = cf_from<T>(Act::fwd(cf_load(p), a));
  }
}

// float32 with n % 4 == 0 and 16-byte aligned buffers: float4 loads; n4 = n / 4 per row.
template <class Act>
__device__ __forceinline__ void cf_bias_act_fwd_vec4_body(const float4* z,
                                                          const float4* __restrict__ bias,
                                                          float4* pre, float4* y,
                                                          cf_index rows, cf_index n4,
                                                          double alpha) {
  const float a = float(alpha);
  const cf_index total = rows * n4;
  for (cf_index i = cf_tid(); i < total; i += cf_nthreads()) {
    float4 v = z[i];
    const float4 b = bias[i % n4];
    v.x += b.x;
    v.y += b.y;
    v.z += b.z;
    v.w += b.w;
    if (pre) pre[i] = v;
    v.x = Act::fwd(v.x, a);
    v.y = Act::fwd(v.y, a);
    v.z = Act::fwd(v.z, a);
    v.w = Act::fwd(v.w, a);
    y[i] = v;
  }
}

template <class Act, class T>
__device__ __forceinline__ void cf_bias_act_bwd_body(const T* x, const T* y, const T* dy,
                                                     T* dz, double* partial, T* db,
                                                     cf_index rows, cf_index n,
                                                     cf_index rows_per_chunk, double alpha) {
  typedef typename cf_compute<T>::type C;
  __shared__ double acc[8][33];
  const C a = C(alpha);
  const cf_index col = (cf_index)blockIdx.x * 32 + threadIdx.x;
  const cf_index r0 = (cf_index)blockIdx.y * rows_per_chunk;
  cf_index r1 = r0 + rows_per_chunk;
  if (r1 > rows) r1 = rows;
  double s = 0;
  if (col < n) {
    for (cf_index r = r0 + threadIdx.y; r < r1; r += 8) {
      const cf_index i = r * n + col;
      const T d = cf_from<T>(Act::bwd(cf_load(x[i]), cf_load(y[i]), cf_load(dy[i]), a));
      dz[i] = d;
      s += (double)cf_load(d);
    }
  }
  acc[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && col < n && (db || partial)) {
    for (int k = 1; k < 8; ++k) s += acc[k][threadIdx.x];
    if (gridDim.y == 1 && db)
      db[col] = cf_from_double<T>(s);
    else if (partial)
      partial[(cf_index)blockIdx.y * n + col] = s;
  }
}

#define CF_BIAS_ACT_KERNELS(name)                                                             \
  template <class T>                                                                          \
  __global__ void cf_bias_##name##_fwd(const T* z, const T* bias, T* pre, T* y, cf_index rows, \
                                       cf_index n, double alpha) {                            \
    cf_bias_act_fwd_body<cf_act_##name>(z, bias, pre, y, rows, n, alpha);                     \
  }                                                                                           \
  template <class T>                                                                          \
  __global__ void cf_bias_##name##_fwd_vec4(const float4* z, const float4* bias, float4* pre,  \
                                            float4* y, cf_index rows, cf_index n4,            \
                                            double alpha) {                                   \
    cf_bias_act_fwd_vec4_body<cf_act_##name>(z, bias, pre, y, rows, n4, alpha);               \
  }                                                                                           \
  template <class T>                                                                          \
  __global__ void cf_bias_##name##_bwd(const T* x, const T* y, const T* dy, T* dz,            \
                                       double* partial, T* db, cf_index rows, cf_index n,     \
                                       cf_index rows_per_chunk, double alpha) {               \
    cf_bias_act_bwd_body<cf_act_##name>(x, y, dy, dz, partial, db, rows, n, rows_per_chunk,   \
                                        alpha);                                               \
  }

CF_ACTIVATION_LIST(CF_BIAS_ACT_KERNELS)
