// optimizers.cu - multi-tensor optimizer updates: one launch updates every parameter.
//
// Table (device, built once per optimizer build by backend/cuda/optimizers.py):
//   ptrs[col * nt + t]  data pointer of tensor t in column col: 0 param, 1 grad, 2.. slots
//   sizes[t]            element count; flags[t] bit 0: weight decay applies
//   chunks[c], chunks[nchunks + c]   (tensor, first element) of chunk c (block-per-chunk over
//                       the flattened index space; blocks stride over chunks)
// Per-step scalars come from a device float64 array `scal` (layout in backend/cuda/optimizers.py),
// so the launch can sit in a CUDA graph while the host rewrites the values before each replay.
// The math repeats the per-variable NumPy/CuPy passes op for op with correctly rounded
// intrinsics (no FMA contraction), so fused and per-variable updates agree bit for bit.
#include "cf_common.cuh"
#include "cf_rows.cuh"

#ifdef CF_DEVICE_COMPILE
// option bits (structural, fixed per build)
#define CF_OPT_WD 1
#define CF_OPT_LOSS_SCALE 2
#define CF_OPT_CLIP 4
#define CF_OPT_MOMENTUM 8
#define CF_OPT_NESTEROV 16
#define CF_OPT_AMSGRAD 32
#define CF_OPT_CENTERED 64

// scalar slots (keep in step with backend/cuda/optimizers.py)
#define CF_S_LR 0
#define CF_S_WD_KEEP 1
#define CF_S_LOSS_SCALE 2
#define CF_S_CLIP 3
#define CF_S_K0 4

__device__ __forceinline__ float cf_add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float cf_sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ float cf_mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float cf_div_rn(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ float cf_sqrt_rn(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double cf_add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double cf_sub_rn(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ double cf_mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double cf_div_rn(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ double cf_sqrt_rn(double a) { return __dsqrt_rn(a); }

template <class T> __device__ __forceinline__ T* cf_col(const long long* ptrs, cf_index nt,
                                                        int col, cf_index t) {
  return reinterpret_cast<T*>(ptrs[(cf_index)col * nt + t]);
}

// The gradient as the update sees it: divided by the loss scale, times the clip factor.
template <class T>
__device__ __forceinline__ T cf_grad_in(T g, int opts, T loss_scale, T clip_scale) {
  if (opts & CF_OPT_LOSS_SCALE) g = cf_div_rn(g, loss_scale);
  if (opts & CF_OPT_CLIP) g = cf_mul_rn(g, clip_scale);
  return g;
}

// Loop over this block's chunks; BODY sees t, i (element), w, g (already preprocessed).
#define CF_TABLE_LOOP(BODY)                                                              \
  for (cf_index c = blockIdx.x; c < nchunks; c += gridDim.x) {                           \
    const cf_index t = chunks[c], start = chunks[nchunks + c];                           \
    cf_index end = start + chunk;                                                        \
    if (end > sizes[t]) end = sizes[t];                                                  \
    const bool decay = (opts & CF_OPT_WD) && (flags[t] & 1);                             \
    T* wp = cf_col<T>(ptrs, nt, 0, t);                                                   \
    const T* gp = cf_col<T>(ptrs, nt, 1, t);                                             \
    for (cf_index i = start + threadIdx.x; i < end; i += blockDim.x) {                   \
      T w = wp[i];                                                                       \
      if (decay) w = cf_mul_rn(w, wd_keep);                                              \
      const T g = cf_grad_in(gp[i], opts, loss_scale, clip_scale);                       \
      BODY                                                                               \
      wp[i] = w;                                                                         \
    }                                                                                    \
  }

#define CF_TABLE_ARGS                                                                    \
  const long long *ptrs, const long long *sizes, const int *flags, const long long *chunks, \
      cf_index nt, cf_index nchunks, cf_index chunk, const double *scal,                 \
      const T *clip_scale_p, int opts

#define CF_TABLE_PROLOGUE                                                                \
  const T lr = (T)scal[CF_S_LR], wd_keep = (T)scal[CF_S_WD_KEEP];                        \
  const T loss_scale = (T)scal[CF_S_LOSS_SCALE];                                         \
  const T clip_scale = (opts & CF_OPT_CLIP) ? clip_scale_p[0] : T(1);                    \
  (void)lr;

// SGD: step = g*lr; m = m*mu - step; w += m  (Nesterov: w = w - step + m*mu); no momentum:
// w -= step. scal[K0] = mu.
template <class T>
__global__ void cf_fused_sgd(CF_TABLE_ARGS) {
  CF_TABLE_PROLOGUE
  const T mu = (T)scal[CF_S_K0];
  CF_TABLE_LOOP({
    const T step = cf_mul_rn(g, lr);
    if (opts & CF_OPT_MOMENTUM) {
      T* mp = cf_col<T>(ptrs, nt, 2, t);
      T m = cf_sub_rn(cf_mul_rn(mp[i], mu), step);
      mp[i] = m;
      if (opts & CF_OPT_NESTEROV) w = cf_add_rn(cf_sub_rn(w, step), cf_mul_rn(m, mu));
      else w = cf_add_rn(w, m);
    } else {
      w = cf_sub_rn(w, step);
    }
  })
}

// Adam(W): m += (g-m)*c1; v += (g*g-v)*c2; [vh = max(vh, v)]; w -= m/(sqrt(v)+eps)*alpha.
// scal[K0..K0+3] = alpha, c1, c2, eps. Slots: 2 m, 3 v, 4 v_hat (AMSGrad).
template <class T>
__global__ void cf_fused_adam(CF_TABLE_ARGS) {
  CF_TABLE_PROLOGUE
  const T alpha = (T)scal[CF_S_K0], c1 = (T)scal[CF_S_K0 + 1];
  const T c2 = (T)scal[CF_S_K0 + 2], eps = (T)scal[CF_S_K0 + 3];
  CF_TABLE_LOOP({
    T* mp = cf_col<T>(ptrs, nt, 2, t);
    T* vp = cf_col<T>(ptrs, nt, 3, t);
    T m = cf_add_rn(mp[i], cf_mul_rn(cf_sub_rn(g, mp[i]), c1));
    T v = cf_add_rn(vp[i], cf_mul_rn(cf_sub_rn(cf_mul_rn(g, g), vp[i]), c2));
    mp[i] = m;
    vp[i] = v;
    if (opts & CF_OPT_AMSGRAD) {
      T* hp = cf_col<T>(ptrs, nt, 4, t);
      v = cf_max(hp[i], v);
      hp[i] = v;
    }
    const T den = cf_add_rn(cf_sqrt_rn(v), eps);
    w = cf_sub_rn(w, cf_mul_rn(cf_div_rn(m, den), alpha));
  })
}

// RMSprop: v = v*rho + g*g*c; den = v + eps (centered: a = a*rho + g*c; den = v - a*a + eps);
// inc = g/sqrt(den)*lr; momentum: m = m*mu + inc; w -= m, else w -= inc.
// scal[K0..K0+3] = rho, c (1-rho), eps, mu. Slots: 2 v, 3 m (momentum), 4 a (centered).
template <class T>
__global__ void cf_fused_rmsprop(CF_TABLE_ARGS) {
  CF_TABLE_PROLOGUE
  const T rho = (T)scal[CF_S_K0], cr = (T)scal[CF_S_K0 + 1];
  const T eps = (T)scal[CF_S_K0 + 2], mu = (T)scal[CF_S_K0 + 3];
  CF_TABLE_LOOP({
    T* vp = cf_col<T>(ptrs, nt, 2, t);
    T v = cf_add_rn(cf_mul_rn(vp[i], rho), cf_mul_rn(cf_mul_rn(g, g), cr));
    vp[i] = v;
    T den;
    if (opts & CF_OPT_CENTERED) {
      T* ap = cf_col<T>(ptrs, nt, 4, t);
      T a = cf_add_rn(cf_mul_rn(ap[i], rho), cf_mul_rn(g, cr));
      ap[i] = a;
      den = cf_add_rn(cf_sub_rn(v, cf_mul_rn(a, a)), eps);
    } else {
      den = cf_add_rn(v, eps);
    }
    const T inc = cf_mul_rn(cf_div_rn(g, cf_sqrt_rn(den)), lr);
    if (opts & CF_OPT_MOMENTUM) {
      T* mp = cf_col<T>(ptrs, nt, 3, t);
      T m = cf_add_rn(cf_mul_rn(mp[i], mu), inc);
      mp[i] = m;
      w = cf_sub_rn(w, m);
    } else {
      w = cf_sub_rn(w, inc);
    }
  })
}

// Global-norm clipping, pass 1: each block's sum of squares (double) of the preprocessed
// (loss-scaled) gradients over its chunks -> partial[blockIdx.x]. Fixed grid, fixed order,
// no float atomics: deterministic.
template <class T>
__global__ void cf_fused_sumsq(const long long* ptrs, const long long* sizes,
                               const long long* chunks, cf_index nt, cf_index nchunks,
                               cf_index chunk, const double* scal, int opts, double* partial) {
  const T loss_scale = (T)scal[CF_S_LOSS_SCALE];
  double s = 0;
  for (cf_index c = blockIdx.x; c < nchunks; c += gridDim.x) {
    const cf_index t = chunks[c], start = chunks[nchunks + c];
    cf_index end = start + chunk;
    if (end > sizes[t]) end = sizes[t];
    const T* gp = cf_col<T>(ptrs, nt, 1, t);
    for (cf_index i = start + threadIdx.x; i < end; i += blockDim.x) {
      T g = gp[i];
      if (opts & CF_OPT_LOSS_SCALE) g = cf_div_rn(g, loss_scale);
      const double d = (double)g;
      s += d * d;
    }
  }
  cf_block_reducer r;
  s = r.sum(s);
  if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// Pass 2 (one block): norm = sqrt(sum) in T; scale = c / max(norm, c) + (norm - norm), Keras's
// rule (an inf or NaN norm makes the gradients NaN), as Optimizer._clip_global computes it.
template <class T>
__global__ void CF_MAX_1024 cf_fused_clip_scale(const double* partial, cf_index count,
                                                const double* scal,
                                    T* clip_scale) {
  double s = 0;
  for (cf_index i = threadIdx.x; i < count; i += blockDim.x) s += partial[i];
  cf_block_reducer r;
  s = r.sum(s);
  if (threadIdx.x == 0) {
    const T norm = (T)sqrt(s), c = (T)scal[CF_S_CLIP];
    clip_scale[0] = cf_add_rn(cf_div_rn(c, cf_max(norm, c)), cf_sub_rn(norm, norm));
  }
}

// Writes up to 32 pointers (kernel arguments) into a device table. Used for the gradient
// column, whose buffers change every step: as a kernel node its arguments are baked into a
// captured graph, where a host-to-device copy would not be capturable.
#define CF_P8(a) long long a##0, long long a##1, long long a##2, long long a##3, \
                 long long a##4, long long a##5, long long a##6, long long a##7
#define CF_V8(a) a##0, a##1, a##2, a##3, a##4, a##5, a##6, a##7
__global__ void cf_set_pointers(long long* dst, int count, CF_P8(p0), CF_P8(p1), CF_P8(p2),
                                CF_P8(p3)) {
  const long long v[32] = {CF_V8(p0), CF_V8(p1), CF_V8(p2), CF_V8(p3)};
  const int j = threadIdx.x;
  if (j < count) dst[j] = v[j];
}
#endif
