// cf_activations.cuh - per-element activation math, forward and backward.
//
// One struct per activation with
//   fwd(x, a)         -> y
//   bwd(x, y, dy, a)  -> dx = dy * f'(x)
// `a` is alpha (leaky_relu slope, elu alpha); other activations ignore it. C is float or double.
//
// NaN/Inf rule (mirrored by backend/numpy/activations.py and tested against it):
//  * forward: NaN in -> NaN out; +-Inf -> the mathematical limit (gelu(-inf) = 0, not NaN);
//  * backward: f'(NaN) = NaN and dx = dy * f'(x) is a real product, so NaN in x or dy gives NaN.
#pragma once
#include "cf_common.cuh"

// The X-macro fixes the order, which is the order of ACTIVATIONS in backend/names.py (the index
// the host test library switches on); tests/backend/test_names.py reads this list back and
// asserts both agree.
#define CF_ACTIVATION_LIST(X) \
  X(relu) X(relu6) X(leaky_relu) X(elu) X(selu) X(gelu) X(gelu_tanh) X(sigmoid)          \
  X(hard_sigmoid) X(hard_swish) X(tanh) X(softplus) X(softsign) X(silu) X(mish)           \
  X(exponential) X(linear)

// dx = dy * d with the NaN rule above (x may be y for activations whose derivative uses y: the
// output is NaN exactly where the input is).
template <class C> CF_HD C cf_chain(C x, C d, C dy) { return dy * (cf_isnan(x) ? x : d); }

struct cf_act_relu {
  template <class C> static CF_HD C fwd(C x, C) { return x < C(0) ? C(0) : x; }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    return cf_chain(x, x > C(0) ? C(1) : C(0), dy);
  }
};

struct cf_act_relu6 {
  template <class C> static CF_HD C fwd(C x, C) {
    return x < C(0) ? C(0) : (x > C(6) ? C(6) : x);
  }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    return cf_chain(x, (x > C(0) && x < C(6)) ? C(1) : C(0), dy);
  }
};

struct cf_act_leaky_relu {
  template <class C> static CF_HD C fwd(C x, C a) { return x < C(0) ? a * x : x; }
  template <class C> static CF_HD C bwd(C x, C, C dy, C a) {
    return cf_chain(x, x > C(0) ? C(1) : a, dy);
  }
};

struct cf_act_elu {
  template <class C> static CF_HD C fwd(C x, C a) { return x > C(0) ? x : a * cf_expm1(x); }
  template <class C> static CF_HD C bwd(C x, C, C dy, C a) {
    return cf_chain(x, x > C(0) ? C(1) : a * cf_exp(x), dy);
  }
};

#define CF_SELU_ALPHA 1.6732632423543772848170429916717
#define CF_SELU_SCALE 1.0507009873554804934193349852946
struct cf_act_selu {
  template <class C> static CF_HD C fwd(C x, C) {
    return C(CF_SELU_SCALE) * (x > C(0) ? x : C(CF_SELU_ALPHA) * cf_expm1(x));
  }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    C d = x > C(0) ? C(CF_SELU_SCALE) : C(CF_SELU_SCALE * CF_SELU_ALPHA) * cf_exp(x);
    return cf_chain(x, d, dy);
  }
};

// Exact gelu x * Phi(x); Phi through erfc so the left tail keeps its relative precision.
#define CF_SQRT1_2 0.70710678118654752440084436210485
#define CF_INV_SQRT_2PI 0.39894228040143267793994605993438
struct cf_act_gelu {
  template <class C> static CF_HD C phi_cdf(C x) { return C(0.5) * cf_erfc(-x * C(CF_SQRT1_2)); }
  template <class C> static CF_HD C fwd(C x, C) { return cf_mul0(x, phi_cdf(x)); }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    C pdf = C(CF_INV_SQRT_2PI) * cf_exp(C(-0.5) * x * x);
    return cf_chain(x, phi_cdf(x) + cf_mul0(x, pdf), dy);
  }
};

// Tanh-approximated gelu 0.5x(1 + tanh(u)) written as x * sigmoid(2u): same function, no
// cancellation in the left tail, no inf-inf when u overflows.
#define CF_SQRT_2_OVER_PI 0.79788456080286535587989211986876
#define CF_GELU_K 0.044715
struct cf_act_gelu_tanh {
  template <class C> static CF_HD C fwd(C x, C) {
    C u = C(CF_SQRT_2_OVER_PI) * (x + C(CF_GELU_K) * x * x * x);
    return cf_mul0(x, cf_sigmoid(C(2) * u));
  }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    C u = C(CF_SQRT_2_OVER_PI) * (x + C(CF_GELU_K) * x * x * x);
    C s = cf_sigmoid(C(2) * u);
    C du = C(CF_SQRT_2_OVER_PI) * (C(1) + C(3 * CF_GELU_K) * x * x);
    return cf_chain(x, s + cf_mul0(cf_mul0(x, C(2) * s * (C(1) - s)), du), dy);
  }
};

struct cf_act_sigmoid {
  template <class C> static CF_HD C fwd(C x, C) { return cf_sigmoid(x); }
  template <class C> static CF_HD C bwd(C x, C y, C dy, C) {
    return cf_chain(x, y * (C(1) - y), dy);
  }
};

// Keras 3: hard_sigmoid(x) = relu6(x + 3) / 6.
struct cf_act_hard_sigmoid {
  template <class C> static CF_HD C fwd(C x, C) {
    return cf_act_relu6::fwd(x + C(3), C(0)) / C(6);
  }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    return cf_chain(x, (x > C(-3) && x < C(3)) ? C(1) / C(6) : C(0), dy);
  }
};

// Keras 3 hard_swish / hard_silu: x * relu6(x + 3) / 6.
struct cf_act_hard_swish {
  template <class C> static CF_HD C fwd(C x, C) {
    return cf_mul0(x, cf_act_relu6::fwd(x + C(3), C(0)) / C(6));
  }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    C d = x < C(-3) ? C(0) : (x > C(3) ? C(1) : (C(2) * x + C(3)) / C(6));
    return cf_chain(x, d, dy);
  }
};

struct cf_act_tanh {
  template <class C> static CF_HD C fwd(C x, C) { return cf_tanh(x); }
  template <class C> static CF_HD C bwd(C x, C y, C dy, C) {
    return cf_chain(x, C(1) - y * y, dy);
  }
};

struct cf_act_softplus {
  template <class C> static CF_HD C fwd(C x, C) { return cf_softplus(x); }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) { return cf_chain(x, cf_sigmoid(x), dy); }
};

struct cf_act_softsign {
  template <class C> static CF_HD C fwd(C x, C) {
    return cf_isinf(x) ? cf_sign(x) : x / (C(1) + cf_fabs(x));
  }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    C q = C(1) + cf_fabs(x);
    return cf_chain(x, C(1) / (q * q), dy);
  }
};

struct cf_act_silu {
  template <class C> static CF_HD C fwd(C x, C) { return cf_mul0(x, cf_sigmoid(x)); }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    C s = cf_sigmoid(x);
    return cf_chain(x, s + cf_mul0(cf_mul0(x, s), C(1) - s), dy);
  }
};

struct cf_act_mish {
  template <class C> static CF_HD C fwd(C x, C) { return cf_mul0(x, cf_tanh(cf_softplus(x))); }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) {
    C t = cf_tanh(cf_softplus(x));
    return cf_chain(x, t + cf_mul0(x, cf_sigmoid(x) * (C(1) - t * t)), dy);
  }
};

struct cf_act_exponential {
  template <class C> static CF_HD C fwd(C x, C) { return cf_exp(x); }
  template <class C> static CF_HD C bwd(C x, C y, C dy, C) { return cf_chain(x, y, dy); }
};

struct cf_act_linear {
  template <class C> static CF_HD C fwd(C x, C) { return x; }
  template <class C> static CF_HD C bwd(C x, C, C dy, C) { return cf_chain(x, C(1), dy); }
};
