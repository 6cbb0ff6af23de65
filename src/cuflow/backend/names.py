"""Every kernel-backed activation and loss, listed once.

The NumPy twins, the CUDA wrappers, the ops and the Keras-level objects all read these tuples;
the X-macro lists in ``kernels/cf_activations.cuh`` and ``kernels/cf_losses.cuh`` keep the same
order, and a test reads them back from the ``.cuh`` files and asserts they agree. Adding a
kernel-backed activation means: a name here, its CUDA functor, its NumPy twin, and nothing else.
"""

# In the order of CF_ACTIVATION_LIST (cf_activations.cuh): the index is the kernel's switch value.
ACTIVATIONS = (
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "gelu_tanh", "sigmoid", "hard_sigmoid",
    "hard_swish", "tanh", "softplus", "softsign", "silu", "mish", "exponential", "linear", "celu",
)

# Losses with a fused per-sample kernel (value and input gradient in one pass).
LOSSES = (
    "mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "hinge",
    "squared_hinge", "categorical_hinge", "cosine_similarity", "poisson",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
)

# Kernel entry points per loss shape, in the order of the X-macro lists in cf_losses.cuh.
ELEM_LOSS_KERNELS = (
    "mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "binary_crossentropy",
    "binary_crossentropy_logits", "kl_divergence", "hinge", "squared_hinge", "poisson",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
)
ROW_LOSS_KERNELS = (
    "categorical_crossentropy", "categorical_crossentropy_logits", "categorical_hinge",
    "cosine_similarity",
)
SPARSE_LOSS_KERNELS = (
    "sparse_categorical_crossentropy", "sparse_categorical_crossentropy_logits",
)
