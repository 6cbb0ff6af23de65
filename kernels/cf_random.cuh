// cf_random.cuh - counter-based uniform numbers: sample i of a draw is a pure function of
// (seed, counter + i), so the NumPy twin (backend/numpy/random.py) produces the same bits and a
// CUDA graph replay draws fresh numbers once the device-side counter has advanced.
#pragma once
#include "cf_common.cuh"

typedef unsigned long long cf_u64;

// splitmix64's finalizer (Stafford variant 13): a bijection with full avalanche.
CF_HD cf_u64 cf_mix64(cf_u64 z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ULL;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Key the seed once, then step a Weyl sequence by the counter: splitmix64 output number c.
CF_HD cf_u64 cf_counter_hash(cf_u64 seed, cf_u64 c) {
  return cf_mix64(cf_mix64(seed ^ 0x5851F42D4C957F2DULL) + c * 0x9E3779B97F4A7C15ULL);
}

// Top bits as a uniform in [0, 1), exactly representable in the output type (never 1.0).
template <class T> struct cf_unit;
template <> struct cf_unit<float> {
  static CF_HD float of(cf_u64 h) { return (float)(h >> 40) * 5.9604644775390625e-08f; }
};
template <> struct cf_unit<double> {
  static CF_HD double of(cf_u64 h) { return (double)(h >> 11) * 1.1102230246251565e-16; }
};
