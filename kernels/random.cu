// random.cu - counter-based uniform samples for dropout masks (see cf_random.cuh).
// state = [seed, counter] (int64, on the device). The draw reads the counter; a separate
// one-thread launch advances it afterwards (advancing inside the draw would race with blocks
// still reading it). Both read the state at run time, so a captured graph advances it itself.
#include "cf_random.cuh"

#ifdef CF_DEVICE_COMPILE
template <class T>
__global__ void cf_uniform_counter(T* out, const long long* state, cf_index n) {
  const cf_u64 seed = (cf_u64)state[0], ctr = (cf_u64)state[1];
  for (cf_index i = cf_tid(); i < n; i += cf_nthreads())
    out[i] = cf_unit<T>::of(cf_counter_hash(seed, ctr + (cf_u64)i));
}

// float16: 11 random bits, k / 2048 is exact in half precision.
__global__ void cf_uniform_counter_half(cf_half* out, const long long* state, cf_index n) {
  const cf_u64 seed = (cf_u64)state[0], ctr = (cf_u64)state[1];
  for (cf_index i = cf_tid(); i < n; i += cf_nthreads())
    out[i] = cf_from<cf_half>((float)(cf_counter_hash(seed, ctr + (cf_u64)i) >> 53) *
                              4.8828125e-04f);
}

__global__ void cf_counter_advance(long long* state, cf_index n) {
  if (cf_tid() == 0) state[1] = (long long)((cf_u64)state[1] + (cf_u64)n);
}
#endif
