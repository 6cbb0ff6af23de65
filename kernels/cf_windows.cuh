// cf_windows.cuh - the window arithmetic shared by the convolution and pooling gather kernels.
#pragma once
#include "cf_common.cuh"

#ifdef CF_DEVICE_COMPILE
// Calls fn(kh, kw, oh, ow) for every kernel offset (kh, kw) whose window (oh, ow) covers input
// position (ih, iw) of a (stride, dilation, pad-before) sweep, in offset order (kh outer, kw
// inner): the order in which the NumPy twins add their per-offset slices.
template <class F>
__device__ __forceinline__ void cf_covering_windows(cf_index ih, cf_index iw, cf_index KH,
                                                    cf_index KW, cf_index SH, cf_index SW,
                                                    cf_index DH, cf_index DW, cf_index PT,
                                                    cf_index PL, cf_index OH, cf_index OW, F fn) {
  for (cf_index kh = 0; kh < KH; ++kh) {
    const cf_index hh = ih + PT - kh * DH;  // = oh * SH when this offset covers ih
    if (hh < 0 || hh % SH) continue;
    const cf_index oh = hh / SH;
    if (oh >= OH) continue;
    for (cf_index kw = 0; kw < KW; ++kw) {
      const cf_index ww = iw + PL - kw * DW;
      if (ww < 0 || ww % SW) continue;
      const cf_index ow = ww / SW;
      if (ow >= OW) continue;
      fn(kh, kw, oh, ow);
    }
  }
}
#endif
