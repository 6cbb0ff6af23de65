"""Convolutions (1D/2D/3D, grouped, dilated, transposed, depthwise, separable).

Forward is im2col through a strided view plus one GEMM (``bk.matmul``); backward is two GEMMs
(kernel gradient, column gradient) and a col2im of prod(kernel_size) strided slice-adds. Work is
channels_last; channels_first inputs are transposed in and out (kernels keep Keras's layout).
"""

from __future__ import annotations

import math

from ..backend.names import ACTIVATIONS
from ._core import check_float, record, same_device, to_tensor
from ._im2col import (
    as_tuple,
    check_format,
    check_padding,
    col2im_windows,
    crop_spatial,
    effective,
    out_sizes,
    pad_spatial,
    pads_for,
    windows,
)
from .numpy.shape import transpose


def _to_last(x, fmt):
    if fmt == "channels_last":
        return x
    return transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))


def _to_first(y, fmt):
    if fmt == "channels_last":
        return y
    return transpose(y, (0, y.ndim - 1) + tuple(range(1, y.ndim - 1)))


def _operands(op, x, kernel, bias):
    x, kernel = to_tensor(x), to_tensor(kernel)
    ins = (x, kernel) if bias is None else (x, kernel, to_tensor(bias))
    bk = same_device(op, *ins)
    for t in ins:
        check_float(op, t)
    if any(t.dtype != x.dtype for t in ins):
        raise TypeError(f"{op}: input, kernel and bias need one dtype; received "
                        f"{', '.join(str(t.dtype) for t in ins)}")
    n = kernel.ndim - 2
    if not 1 <= n <= 3 or x.ndim != n + 2:
        raise ValueError(f"{op}: expected a rank-{n + 2} input for a rank-{kernel.ndim} kernel "
                         f"(1 to 3 spatial dims); received input shape {x.shape} and kernel "
                         f"shape {kernel.shape}")
    return bk, ins


def conv(x, kernel, strides=1, padding="valid", dilation_rate=1, groups=None,
         data_format="channels_last", bias=None, activation=None):
    """N-D convolution (N = kernel.ndim - 2). kernel: (*kernel_size, in_channels // groups,
    out_channels). padding: 'valid', 'same' (TensorFlow's) or 'causal' (1D). ``groups`` defaults
    to in_channels // kernel.shape[-2]. ``bias`` (out_channels,) and the elementwise
    ``activation`` (a kernel name, e.g. "relu") are applied in the same node, through the fused
    bias + activation epilogue the Dense layer uses."""
    fmt = check_format("conv", data_format)
    name = activation or "linear"
    if name not in ACTIVATIONS:
        raise ValueError(f"conv: unknown activation {activation!r}; valid names: "
                         f"{', '.join(ACTIVATIONS)}")
    bk, ins = _operands("conv", x, kernel, bias)
    x, kernel = ins[0], ins[1]
    n = kernel.ndim - 2
    padding = check_padding("conv", padding, ("valid", "same", "causal"))
    if padding == "causal" and n != 1:
        raise ValueError(f"conv: 'causal' padding is only for 1D convolutions; received a "
                         f"{n}D kernel of shape {kernel.shape}")
    strides = as_tuple("conv", "strides", strides, n)
    dils = as_tuple("conv", "dilation_rate", dilation_rate, n)
    x = _to_last(x, fmt)
    cin, cg, cout = x.shape[-1], kernel.shape[-2], kernel.shape[-1]
    if groups is None:
        groups = cin // cg if cg and cin % cg == 0 else 0
    if groups <= 0 or cg * groups != cin or cout % groups:
        raise ValueError(f"conv: input with {cin} channels (shape {x.shape}) does not match "
                         f"kernel shape {kernel.shape} with groups={groups}: need "
                         f"in_channels == kernel.shape[-2] * groups and out_channels divisible "
                         f"by groups")
    if bias is not None and ins[2].shape != (cout,):
        raise ValueError(f"conv: bias must have shape ({cout},); received {ins[2].shape}")
    y = _conv_nd(bk, x, kernel, ins[2] if bias is not None else None, strides, padding, dils,
                 groups, name)
    return _to_first(y, fmt)


def _conv_nd(bk, x, kernel, bias, strides, padding, dils, groups, act="linear"):
    xp = bk.xp
    n = kernel.ndim - 2
    ks = kernel.shape[:n]
    sizes = x.shape[1:-1]
    pads = pads_for(padding, sizes, ks, strides, dils)
    outs = out_sizes(sizes, ks, strides, dils, pads)
    if 0 in outs:
        raise ValueError(f"conv: kernel of spatial size {ks} (dilation {dils}) is larger than "
                         f"the padded input of spatial size {sizes} with padding={padding!r}")
    B, cin, cout = x.shape[0], x.shape[-1], kernel.shape[-1]
    G, cg, og = groups, cin // groups, cout // groups
    kp, m = math.prod(ks), B * math.prod(outs)
    # the window matrix (m, kp*cin): one kernel on the GPU, padding folded into its indices
    cols = bk.im2col(x.data, ks, strides, dils, pads, outs)
    if G == 1:
        w2 = kernel.data.reshape(kp * cin, cout)
        y = bk.matmul(cols, w2)
    else:
        # per group: (m, kp*cg) @ (kp*cg, og) as one batched GEMM over G
        cols = xp.ascontiguousarray(cols.reshape(m, kp, G, cg).transpose(2, 0, 1, 3))
        cols = cols.reshape(G, m, kp * cg)
        w2 = kernel.data.reshape(kp, cg, G, og).transpose(2, 0, 1, 3).reshape(G, kp * cg, og)
        y = bk.matmul(cols, w2).transpose(1, 0, 2).reshape(m, cout)
    # channels_last output is a (pixels, channels) matrix: the Dense epilogue applies as is
    if bias is not None:
        b = bias.data if bias.data.dtype == y.dtype else bias.data.astype(y.dtype)
        pre, y = bk.bias_activation_forward(act, y, b, None)
    else:
        pre, y = y, (y if act == "linear" else bk.activation_forward(act, y, None))
    out_shape = (B,) + outs + (cout,)

    def backward(g):
        g2 = g.reshape(m, cout)
        gx = gk = gb = None
        if bias is not None:
            g2, gb = bk.bias_activation_backward(act, pre, y, g2, None, bias.requires_grad)
        elif act != "linear":
            g2 = bk.activation_backward(act, pre, y, g2, None)
        if G == 1:
            if kernel.requires_grad:
                gk = bk.matmul(cols.T, g2).reshape(kernel.shape)
            if x.requires_grad:
                # one GEMM per kernel offset, as one batched call: (kp, m, cin) offset-major
                w3 = kernel.data.reshape(kp, cin, cout).transpose(0, 2, 1)
                dcols = bk.matmul(g2[None], w3)
        else:
            gg = xp.ascontiguousarray(g2.reshape(m, G, og).transpose(1, 0, 2))
            if kernel.requires_grad:
                gk = bk.matmul(cols.transpose(0, 2, 1), gg)  # (G, kp*cg, og)
                gk = gk.reshape(G, kp, cg, og).transpose(1, 2, 0, 3).reshape(kernel.shape)
            if x.requires_grad:
                dcols = bk.matmul(gg, w2.transpose(0, 2, 1))  # (G, m, kp*cg)
                dcols = xp.ascontiguousarray(
                    dcols.reshape(G, m, kp, cg).transpose(2, 1, 0, 3)).reshape(kp, m, cin)
        if x.requires_grad:
            gx = bk.col2im(dcols, x.shape, ks, strides, dils, pads, outs)
        return (gx, gk) if bias is None else (gx, gk, gb)

    ins = (x, kernel) if bias is None else (x, kernel, bias)
    return record(y.reshape(out_shape), ins, backward, f"conv{n}d", bk)


def conv_transpose(x, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                   data_format="channels_last", bias=None):
    """Transposed convolution (the input-gradient of ``conv``), 1D/2D/3D. kernel:
    (*kernel_size, out_channels, in_channels) as Keras's Conv*DTranspose. Output size follows
    Keras's deconv_output_length; placement follows TensorFlow's conv_transpose."""
    fmt = check_format("conv_transpose", data_format)
    bk, ins = _operands("conv_transpose", x, kernel, bias)
    x, kernel = ins[0], ins[1]
    bias = ins[2] if bias is not None else None
    n = kernel.ndim - 2
    padding = check_padding("conv_transpose", padding)
    strides = as_tuple("conv_transpose", "strides", strides, n)
    dils = as_tuple("conv_transpose", "dilation_rate", dilation_rate, n)
    opad = None if output_padding is None else as_tuple(
        "conv_transpose", "output_padding", output_padding, n, allow_zero=True)
    x = _to_last(x, fmt)
    cin, cout = kernel.shape[-1], kernel.shape[-2]
    if x.shape[-1] != cin:
        raise ValueError(f"conv_transpose: input with {x.shape[-1]} channels (shape {x.shape}) "
                         f"does not match kernel shape {kernel.shape} (expects {cin})")
    if bias is not None and bias.shape != (cout,):
        raise ValueError(f"conv_transpose: bias must have shape ({cout},); received {bias.shape}")
    if opad is not None and any(p >= s for p, s in zip(opad, strides)):
        raise ValueError(f"conv_transpose: output_padding {opad} must be smaller than strides "
                         f"{strides}")
    xp = bk.xp
    ks = kernel.shape[:n]
    sizes = x.shape[1:-1]
    B = x.shape[0]
    kp, m = math.prod(ks), B * math.prod(sizes)
    outs, lead, buf = [], [], []
    for i, (s_in, k, s, d) in enumerate(zip(sizes, ks, strides, dils)):
        eff = effective(k, d)
        if opad is None:
            o = s_in * s + max(eff - s, 0) if padding == "valid" else s_in * s
        else:
            o = (s_in - 1) * s + eff - 2 * (eff // 2 if padding == "same" else 0) + opad[i]
        # TF places the output as the input of the forward conv with these pads
        before = max((s_in - 1) * s + eff - o, 0) // 2 if padding == "same" else 0
        full = (s_in - 1) * s + eff
        outs.append(o)
        lead.append(before)
        buf.append(max(full, before + o))
    outs = tuple(outs)
    if 0 in outs or 0 in sizes:
        raise ValueError(f"conv_transpose: empty output for input shape {x.shape} and kernel "
                         f"shape {kernel.shape}")
    pads = [(b, f - b - o) for b, f, o in zip(lead, buf, outs)]
    x2 = x.data.reshape(m, cin)
    w2 = kernel.data.reshape(kp * cout, cin)
    cols = bk.matmul(x2, w2.T).reshape((B,) + sizes + tuple(ks) + (cout,))
    y = crop_spatial(col2im_windows(xp, cols, (B,) + tuple(buf) + (cout,), ks, strides, dils,
                                    sizes), pads, outs)
    if bias is not None:
        y = y + bias.data

    def backward(g):
        gpad = pad_spatial(xp, g, pads)
        gcols = windows(xp, gpad, ks, strides, dils, sizes).reshape(m, kp * cout)
        gx = bk.matmul(gcols, w2).reshape(x.shape) if x.requires_grad else None
        gk = bk.matmul(gcols.T, x2).reshape(kernel.shape) if kernel.requires_grad else None
        if bias is None:
            return gx, gk
        gb = g.reshape(-1, cout).sum(axis=0) if bias.requires_grad else None
        return gx, gk, gb

    ins = (x, kernel) if bias is None else (x, kernel, bias)
    return _to_first(record(y, ins, backward, f"conv{n}d_transpose", bk), fmt)


def depthwise_conv(x, kernel, strides=1, padding="valid", dilation_rate=1,
                   data_format="channels_last", bias=None, activation=None):
    """Depthwise convolution: kernel (*kernel_size, in_channels, depth_multiplier); output
    channel c * depth_multiplier + j is input channel c convolved with kernel[..., c, j]. It is a
    grouped conv with groups = in_channels, whose kernel is this one reshaped."""
    kernel = to_tensor(kernel)
    if kernel.ndim < 3:
        raise ValueError(f"depthwise_conv: kernel must have rank >= 3; received shape "
                         f"{kernel.shape}")
    from .numpy.shape import reshape

    cin, mult = kernel.shape[-2], kernel.shape[-1]
    k2 = reshape(kernel, kernel.shape[:-2] + (1, cin * mult))
    return conv(x, k2, strides, padding, dilation_rate, cin, data_format, bias, activation)


def depthwise_conv2d(x, kernel, strides=1, padding="valid", dilation_rate=1,
                     data_format="channels_last", bias=None):
    if to_tensor(kernel).ndim != 4:
        raise ValueError(f"depthwise_conv2d: kernel must have rank 4 (kh, kw, in_channels, "
                         f"depth_multiplier); received shape {to_tensor(kernel).shape}")
    return depthwise_conv(x, kernel, strides, padding, dilation_rate, data_format, bias)


def separable_conv(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   dilation_rate=1, data_format="channels_last", bias=None):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution, as Keras."""
    y = depthwise_conv(x, depthwise_kernel, strides, padding, dilation_rate, data_format)
    return conv(y, pointwise_kernel, 1, "valid", 1, 1, data_format, bias)


separable_conv2d = separable_conv


def _ranked(n):
    def fn(x, kernel, strides=1, padding="valid", dilation_rate=1, groups=None,
           data_format="channels_last", bias=None):
        k = to_tensor(kernel)
        if k.ndim != n + 2:
            raise ValueError(f"conv{n}d: kernel must have rank {n + 2}; received shape {k.shape}")
        return conv(x, k, strides, padding, dilation_rate, groups, data_format, bias)

    fn.__name__ = f"conv{n}d"
    fn.__doc__ = f"``conv`` for {n} spatial dimension(s)."
    return fn


conv1d, conv2d, conv3d = _ranked(1), _ranked(2), _ranked(3)


__all__ = [
    "conv", "conv1d", "conv2d", "conv3d", "conv_transpose", "depthwise_conv", "depthwise_conv2d",
    "separable_conv", "separable_conv2d",
]
