"""The differentiable functional API (``keras.ops``): every op runs on its operands' device.

``cuflow.ops.relu(x)``, ``cuflow.ops.matmul(a, b)``, ``cuflow.ops.sum(x, axis=1)`` ...

One module per topic, as ``keras/src/ops``; this package re-exports each one's ``__all__``:

- ``core``: convert_to_tensor, cast, shape, scatter / slice updates, control flow, gradients
- ``math``: segment ops, top_k / in_top_k, logsumexp, erf / erfinv, rsqrt, extract_sequences
- ``numpy/``: the NumPy-style API (arithmetic, trigonometry, logic, reductions, shape, ...)
- ``nn/``: activations, dense, dropout, attention, normalization, encodings, cross-entropies
- ``linalg/``: decompositions, solves, norms; ``fft``: Fourier transforms, stft / istft
- ``image``: upsample, psnr; ``conv``; ``pooling``; ``ctc``: ctc_loss, ctc_decode
- ``losses``: the fused per-sample loss kernels (``loss``) and how y_true meets y_pred
"""

from .conv import *  # noqa: F403
from .core import *  # noqa: F403
from .ctc import *  # noqa: F403
from .fft import *  # noqa: F403
from .image import *  # noqa: F403
from .linalg import *  # noqa: F403
from .losses import *  # noqa: F403
from .math import *  # noqa: F403
from .nn import *  # noqa: F403
from .numpy import *  # noqa: F403
from .pooling import *  # noqa: F403
