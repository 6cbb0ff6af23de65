// activations.cu - elementwise activation kernels cf_<name>_fwd / cf_<name>_bwd.
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
