// cf_common.cuh - portability layer shared by every cuflow kernel.
//
// Per-element math is written once in CF_HD inline functions so that the same text compiles
//  * with NVRTC for the GPU (where no system or CUDA headers are available: NVRTC only has its
//    builtins, so we include nothing there), and
//  * with a plain host C++ compiler (g++), which the test suite uses to check this exact math
//    against the NumPy twins on a machine without a GPU;
//  * as whole kernels on the CPU under CF_SIM (tests/simulator/cuda_sim.h, force-included, gives
//    the CUDA built-ins; only cf_half's PTX conversions below have a CF_SIM branch).
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__) || defined(CF_SIM)
#define CF_DEVICE_COMPILE 1
#define CF_HD __host__ __device__ __forceinline__
#else
#include <math.h>
#define CF_HD inline
#endif

// Kernels that may be launched with 1024 threads per block (the row kernels, whose block grows
// with the row length, and the one-block finishers) say so: without the bound ptxas may give a
// thread more registers than 1024 threads can share (64K per SM), and a long float64 row then
// fails to launch with "too many resources requested for launch".
#define CF_MAX_1024 __launch_bounds__(1024)

typedef long long cf_index;  // 64-bit indices everywhere: tensors of > 2**31 elements exist.

// ---- infinities without <limits> (not available under NVRTC) -------------------------------
template <class C> CF_HD C cf_inf();
#ifdef CF_DEVICE_COMPILE
template <> CF_HD float cf_inf<float>() { return __int_as_float(0x7f800000); }
template <> CF_HD double cf_inf<double>() { return __longlong_as_double(0x7ff0000000000000LL); }
#else
template <> CF_HD float cf_inf<float>() { return HUGE_VALF; }
template <> CF_HD double cf_inf<double>() { return HUGE_VAL; }
#endif

// Self-comparison instead of isnan(): works identically in NVRTC and g++ (no fast-math is used).
template <class C> CF_HD bool cf_isnan(C x) { return x != x; }
template <class C> CF_HD bool cf_isinf(C x) { return x == cf_inf<C>() || x == -cf_inf<C>(); }

// ---- math overloads: float uses the f-suffixed libm/CUDA functions, double the plain ones ---
#define CF_MATH1(name)                                              \
  CF_HD float cf_##name(float x) { return name##f(x); }             \
  CF_HD double cf_##name(double x) { return name(x); }
CF_MATH1(exp)
CF_MATH1(expm1)
CF_MATH1(log)
CF_MATH1(log1p)
CF_MATH1(tanh)
CF_MATH1(erfc)
CF_MATH1(sqrt)
CF_MATH1(fabs)
#undef CF_MATH1

// Branch-based min/max/clip that follow NumPy: a NaN operand gives NaN (fminf/fmaxf would drop
// it, `x > 0 ? x : 0` would turn it into 0).
template <class C> CF_HD C cf_max(C a, C b) { return (cf_isnan(a) || a > b) ? a : b; }
template <class C> CF_HD C cf_min(C a, C b) { return (cf_isnan(a) || a < b) ? a : b; }
template <class C> CF_HD C cf_clip(C x, C lo, C hi) { return x < lo ? lo : (x > hi ? hi : x); }
template <class C> CF_HD C cf_sign(C x) { return x > 0 ? C(1) : (x < 0 ? C(-1) : x); }

// a*b where an exact 0 factor wins over inf (the limit x*g(x) -> 0 when g underflows to 0),
// so e.g. silu(-inf) = -inf * sigmoid(-inf) is 0, not NaN. NaN still propagates.
template <class C> CF_HD C cf_mul0(C a, C b) {
  return ((a == C(0) && !cf_isnan(b)) || (b == C(0) && !cf_isnan(a))) ? C(0) : a * b;
}

// Stable sigmoid: never evaluates exp of a large positive number.
template <class C> CF_HD C cf_sigmoid(C x) {
  if (x >= C(0)) return C(1) / (C(1) + cf_exp(-x));
  C e = cf_exp(x);  // NaN lands here and stays NaN
  return e / (C(1) + e);
}

// Stable softplus log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)).
template <class C> CF_HD C cf_softplus(C x) {
  return (x > C(0) ? x : C(0)) + cf_log1p(cf_exp(-cf_fabs(x)));  // NaN: exp(NaN) propagates
}

// ---- storage types -------------------------------------------------------------------------
// cf_compute<T>::type is the type per-element math runs in (float for half);
// cf_acc<T>::type accumulates sums (double for float too: a row or a batch can hold millions of
// terms and the twins are compared at 1e-5).
template <class T> struct cf_compute { typedef T type; };
template <class T> struct cf_acc { typedef double type; };

template <class T> CF_HD typename cf_compute<T>::type cf_load(const T& v) { return v; }
template <class T> CF_HD T cf_from(typename cf_compute<T>::type v) { return T(v); }
// A double (a sum, a threshold) into storage type T with ONE rounding, as NumPy's astype: going
// through float first (double -> float -> half) rounds twice, and a value near a half's
// rounding midpoint then lands on the wrong neighbour.
template <class T> CF_HD T cf_from_double(double v) { return T(v); }

#ifdef CF_DEVICE_COMPILE
// IEEE half without cuda_fp16.h (that header is not part of NVRTC nor of the CuPy wheels): a
// 16-bit payload converted with the PTX cvt instructions.
struct __align__(2) cf_half { unsigned short bits; };
template <> struct cf_compute<cf_half> { typedef float type; };
template <> struct cf_acc<cf_half> { typedef float type; };
#ifdef CF_SIM
#define CF_CVT(out, instr, in) out = cf_sim_##instr(in)
#else
#define CF_CVT(out, instr, in) CF_CVT_##instr(out, in)
#define CF_CVT_f16_to_f32(out, in) asm("cvt.f32.f16 %0, %1;" : "=f"(out) : "h"(in))
#define CF_CVT_f32_to_f16(out, in) asm("cvt.rn.f16.f32 %0, %1;" : "=h"(out) : "f"(in))
#define CF_CVT_f64_to_f16(out, in) asm("cvt.rn.f16.f64 %0, %1;" : "=h"(out) : "d"(in))
#endif
template <> __device__ __forceinline__ float cf_load<cf_half>(const cf_half& v) {
  float f;
  CF_CVT(f, f16_to_f32, v.bits);
  return f;
}
template <> __device__ __forceinline__ cf_half cf_from<cf_half>(float f) {
  cf_half h;
  CF_CVT(h.bits, f32_to_f16, f);
  return h;
}
template <> __device__ __forceinline__ cf_half cf_from_double<cf_half>(double d) {
  cf_half h;
  CF_CVT(h.bits, f64_to_f16, d);
  return h;
}

// Grid-stride loop helpers (64-bit).
__device__ __forceinline__ cf_index cf_tid() {
  return (cf_index)blockIdx.x * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ cf_index cf_nthreads() { return (cf_index)gridDim.x * blockDim.x; }
#endif
