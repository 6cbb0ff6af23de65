// windows.cu - the window family: im2col / col2im and max pooling.
//
// ---- convolution windows for 1-D and 2-D channels_last inputs (1-D as H = 1), with the
// zero padding folded into the index arithmetic (no padded copy of the input ever exists).
//
// im2col: cols[(b*OH + oh)*OW + ow][(kh*KW + kw)*C + c] = x[b][ih][iw][c] where
//   ih = oh*SH + kh*DH - PT,  iw = ow*SW + kw*DW - PL,  and 0 where (ih, iw) is outside x.
//   One thread per column element; consecutive threads take consecutive c (coalesced).
// col2im (offset-major columns, the layout of one batched GEMM per kernel offset):
//   dx[b][ih][iw][c] = sum over the offsets (kh, kw) whose window covers (ih, iw), in offset
//   order, of cols[kh*KW + kw][(b*OH + oh)*OW + ow][c]. A gather: each dx element is written
//   once by one thread (no atomics, no zero fill, deterministic). The running sum is rounded to
//   T after every add, as the NumPy twin's slice-adds in T do, so both agree bit for bit.
#include "cf_windows.cuh"

#ifdef CF_DEVICE_COMPILE
#define CF_CONV_GEOM                                                                    \
  cf_index B, cf_index H, cf_index W, cf_index C, cf_index KH, cf_index KW, cf_index SH, \
      cf_index SW, cf_index DH, cf_index DW, cf_index PT, cf_index PL, cf_index OH, cf_index OW

template <class T>
__global__ void cf_im2col_2d(const T* __restrict__ x, T* __restrict__ cols, CF_CONV_GEOM) {
  typedef typename cf_compute<T>::type Cm;
  const T zero = cf_from<T>(Cm(0));
  const cf_index K = KH * KW * C;
  const cf_index total = B * OH * OW * K;
  for (cf_index i = cf_tid(); i < total; i += cf_nthreads()) {
    const cf_index row = i / K;
    const cf_index rem = i - row * K;
    const cf_index k = rem / C;
    const cf_index c = rem - k * C;
    const cf_index kh = k / KW, kw = k - kh * KW;
    const cf_index ow = row % OW;
    const cf_index t = row / OW;
    const cf_index oh = t % OH, b = t / OH;
    const cf_index ih = oh * SH + kh * DH - PT;
    const cf_index iw = ow * SW + kw * DW - PL;
    cols[i] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? x[((b * H + ih) * W + iw) * C + c] : zero;
  }
}

template <class T>
__global__ void cf_col2im_2d(const T* __restrict__ cols, T* __restrict__ dx, CF_CONV_GEOM) {
  typedef typename cf_compute<T>::type Cm;
  const cf_index M = B * OH * OW;
  const cf_index total = B * H * W * C;
  for (cf_index i = cf_tid(); i < total; i += cf_nthreads()) {
    const cf_index c = i % C;
    cf_index t = i / C;
    const cf_index iw = t % W;
    t /= W;
    const cf_index ih = t % H, b = t / H;
    T acc = cf_from<T>(Cm(0));
    cf_covering_windows(ih, iw, KH, KW, SH, SW, DH, DW, PT, PL, OH, OW,
                        [&](cf_index kh, cf_index kw, cf_index oh, cf_index ow) {
                          const T v = cols[((kh * KW + kw) * M + (b * OH + oh) * OW + ow) * C + c];
                          acc = cf_from<T>(cf_load(acc) + cf_load(v));
                        });
    dx[i] = acc;
  }
}
#endif

// ---- 1-D and 2-D max pooling, channels_last (1-D as H = 1), padding as -inf folded into
// the indices. Same rules as the NumPy twin (backend/numpy/windows.py):
//  * forward: y = the running maximum over the window offsets in order, NaN-propagating
//    (NumPy's maximum): a NaN anywhere in the window gives NaN;
//  * backward: the gradient of a window goes to the first offset (in window order) whose value
//    equals y (padding counts as -inf, and a hit there is dropped with the padding); a NaN window
//    has no hit. Each input position sums g * (hit ? 1 : 0) over the windows that cover it, in
//    offset order, rounded to T after every add, as the twin's slice-adds do: bit for bit, NaN
//    and Inf in g included. A gather: one thread per input element, no atomics, no zero fill.

#ifdef CF_DEVICE_COMPILE
#define CF_POOL_GEOM                                                                    \
  cf_index B, cf_index H, cf_index W, cf_index C, cf_index KH, cf_index KW, cf_index SH, \
      cf_index SW, cf_index PT, cf_index PL, cf_index OH, cf_index OW

// Value of window (b, oh, ow) at offset (kh, kw), channel c: -inf in the padding.
template <class T>
__device__ __forceinline__ typename cf_compute<T>::type cf_pool_at(
    const T* x, cf_index b, cf_index oh, cf_index ow, cf_index kh, cf_index kw, cf_index c,
    cf_index H, cf_index W, cf_index C, cf_index SH, cf_index SW, cf_index PT, cf_index PL) {
  typedef typename cf_compute<T>::type Cm;
  const cf_index ih = oh * SH + kh - PT, iw = ow * SW + kw - PL;
  if (ih < 0 || ih >= H || iw < 0 || iw >= W) return -cf_inf<Cm>();
  return cf_load(x[((b * H + ih) * W + iw) * C + c]);
}

template <class T>
__global__ void cf_max_pool_2d_fwd(const T* __restrict__ x, T* __restrict__ y, CF_POOL_GEOM) {
  typedef typename cf_compute<T>::type Cm;
  const cf_index total = B * OH * OW * C;
  for (cf_index i = cf_tid(); i < total; i += cf_nthreads()) {
    const cf_index c = i % C;
    cf_index t = i / C;
    const cf_index ow = t % OW;
    t /= OW;
    const cf_index oh = t % OH, b = t / OH;
    Cm m = cf_pool_at(x, b, oh, ow, 0, 0, c, H, W, C, SH, SW, PT, PL);
    for (cf_index k = 1; k < KH * KW; ++k)
      m = cf_max(m, cf_pool_at(x, b, oh, ow, k / KW, k % KW, c, H, W, C, SH, SW, PT, PL));
    y[i] = cf_from<T>(m);
  }
}

template <class T>
__global__ void cf_max_pool_2d_bwd(const T* __restrict__ g, const T* __restrict__ x,
                                   const T* __restrict__ y, T* __restrict__ dx, CF_POOL_GEOM) {
  typedef typename cf_compute<T>::type Cm;
  const cf_index total = B * H * W * C;
  for (cf_index i = cf_tid(); i < total; i += cf_nthreads()) {
    const cf_index c = i % C;
    cf_index t = i / C;
    const cf_index iw = t % W;
    t /= W;
    const cf_index ih = t % H, b = t / H;
    T acc = cf_from<T>(Cm(0));
    cf_covering_windows(ih, iw, KH, KW, SH, SW, 1, 1, PT, PL, OH, OW,
                        [&](cf_index kh, cf_index kw, cf_index oh, cf_index ow) {
      const cf_index o = ((b * OH + oh) * OW + ow) * C + c;
      // is (kh, kw) the window's first offset holding its maximum?
      const Cm yv = cf_load(y[o]);
      cf_index first = -1;
      for (cf_index k = 0; k < KH * KW && first < 0; ++k)
        if (cf_pool_at(x, b, oh, ow, k / KW, k % KW, c, H, W, C, SH, SW, PT, PL) == yv) first = k;
      const Cm hit = first == kh * KW + kw ? Cm(1) : Cm(0);
      acc = cf_from<T>(cf_load(acc) + cf_load(g[o]) * hit);
    });
    dx[i] = acc;
  }
}
#endif
