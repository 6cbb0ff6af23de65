"""The NumPy backend by kernel family: the CPU implementation and the reference semantics.

Every kernel function in ``numpy/<family>.py`` has a GPU counterpart of the same name and
signature in ``cuda/<family>.py`` that launches ``kernels/<family>.cu``; the per-element and
per-row formulas are written in the same order as the C++ in ``kernels/*.cuh`` so the two agree
to rounding. Each family module states its shape and NaN / Inf rules.

Dtypes: float16, float32, float64. float16 computes in float32. Sums accumulate in float64
(float32 for float16 inputs), like the kernels. No function emits a NumPy RuntimeWarning:
intermediate overflow and invalid operations are IEEE-defined here (``common._ieee``).
"""
