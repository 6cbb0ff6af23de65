"""``keras.ops`` linear algebra: decompositions, solves, inverses, determinants and norms.

Keras 3 names, arguments and semantics; batched over leading dimensions as NumPy. Everything goes
through the operands' ``xp.linalg`` (``numpy.linalg`` or ``cupy.linalg``), so each op runs on the
device of its input. Ops with several outputs record one graph node per output: a backward pass
is linear in the output cotangents, so the per-output contributions simply add up.

Gradients are the standard ones (as TF, JAX and PyTorch), for real inputs:

- ``inv``: -A^-T G A^-T; ``det``: g det(A) A^-T; ``slogdet`` / ``logdet``: g A^-T;
- ``solve`` / ``solve_triangular``: gB = A^-T G, gA = -gB X^T (masked to the triangle read);
- ``cholesky``: L^-T Phi(L^T G) L^-1, symmetrised (Phi: lower triangle, half diagonal);
- ``eigh``: V (diag(gw) + F o (V^T gV)) V^T, F_ij = 1 / (w_j - w_i), symmetrised. With repeated
  eigenvalues the eigenvectors are not unique and F is infinite: the gradient through the
  eigenvectors is then undefined (inf/NaN), as in TF/JAX/PyTorch; eigenvalues alone stay fine;
- ``svd``: Townsend's formula for distinct, non-zero singular values (the same caveat for repeated
  ones); through U/Vh with ``full_matrices=True`` only for square inputs (as TF);
- ``qr``: the reduced-mode backward for m >= n (as PyTorch); ``complete`` only for m <= n;
- ``lstsq``: the pseudo-inverse derivative (Golub & Pereyra), exact for full-rank ``a``.

``cholesky`` and ``eigh`` read one triangle of their input, as LAPACK; their gradients are the
symmetric ones (the input is taken to be symmetric, as JAX and PyTorch do).

Files: ``systems`` (inv, det, slogdet, logdet, solve, solve_triangular, lstsq),
``decompositions`` (cholesky, eigh, eig, lu_factor, qr, svd), ``inverses`` (pinv,
cholesky_inverse, matrix_rank), ``norms`` (norm).
"""

from . import decompositions, inverses, norms, systems
from .decompositions import *  # noqa: F403
from .inverses import *  # noqa: F403
from .norms import *  # noqa: F403
from .systems import *  # noqa: F403

__all__ = [name for topic in (decompositions, inverses, norms, systems) for name in topic.__all__]
