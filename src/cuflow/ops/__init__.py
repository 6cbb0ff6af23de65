"""The differentiable functional API: every op runs on its operands' device.

``cuflow.ops.relu(x)``, ``cuflow.ops.matmul(a, b)``, ``cuflow.ops.sum(x, axis=1)`` ...
"""

from .conv import (
    conv,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose,
    depthwise_conv,
    depthwise_conv2d,
    separable_conv,
    separable_conv2d,
)
from .elementwise import (
    abs,
    add,
    ceil,
    clip,
    cos,
    divide,
    equal,
    exp,
    expm1,
    floor,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    reciprocal,
    round,
    rsqrt,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    where,
)
from .linalg import dot, matmul
from .losses import loss
from .nn import (
    ACTIVATIONS,
    activation,
    dense,
    dropout,
    elu,
    exponential,
    gelu,
    hard_sigmoid,
    hard_swish,
    leaky_relu,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    stop_gradient,
    swish,
    tanh,
)
from .noise import gaussian_dropout, gaussian_noise
from .pooling import (
    average_pool,
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    max_pool,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from .reductions import argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var
from .resize import upsample
from .shape import (
    cast,
    concat,
    concatenate,
    expand_dims,
    flatten,
    gather,
    getitem,
    one_hot,
    pad,
    reshape,
    split,
    squeeze,
    stack,
    tile,
    transpose,
)

neg = negative
pow = power
