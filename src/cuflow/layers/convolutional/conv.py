"""``Conv1D``, ``Conv2D``, ``Conv3D`` (and their ``Convolution*`` aliases); the math is in
``cuflow.ops.conv``."""

from __future__ import annotations

from ... import initializers, ops
from ...ops.conv import conv as _conv
from ..lora import LoraMixin
from .base_conv import _Conv, _positive


class _BaseConv(LoraMixin, _Conv):
    """Conv1D/2D/3D: ``filters`` output channels in ``groups``; LoRA as Keras (``lora_rank``,
    ``enable_lora``): the kernel frozen, ``kernel + lora_alpha / rank * A @ B`` trained, with A
    ``(*kernel_size, in_channels // groups, rank)`` and B ``(rank, filters)`` in float32."""

    _FUSES_ACTIVATION = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, **kwargs)
        cls = type(self).__name__
        self.filters = _positive(cls, "filters", filters)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError(f"{cls}: The number of groups must be a positive integer. "
                             f"Received: groups={groups}.")
        self.groups = groups
        if self.filters % self.groups:
            raise ValueError(f"{cls}: The number of filters must be evenly divisible by the "
                             f"number of groups. Received: groups={groups}, filters={filters}.")
        self._init_lora(lora_rank, lora_alpha)

    @property
    def kernel(self):
        """The kernel variable; with LoRA enabled, the merged ``kernel + alpha / rank * A @ B``
        in the compute dtype (as Keras)."""
        kernel = self.__dict__.get("_kernel")
        if kernel is None:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if self.lora_enabled:
            delta = ops.matmul(self.lora_kernel_a, self.lora_kernel_b)
            kernel = ops.cast(ops.add(kernel, self._lora_scale() * delta),
                              self.compute_dtype)
        return kernel

    @kernel.setter
    def kernel(self, value):
        self._kernel = value

    def _out_channels(self, input_shape):
        return self.filters

    def _build_weights(self, in_ch):
        if in_ch % self.groups:
            raise ValueError(f'layer "{self.name}" ({type(self).__name__}): the number of input '
                             f"channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, input channels={in_ch}")
        self.kernel = self._weight("kernel", "kernel",
                                   self.kernel_size + (in_ch // self.groups, self.filters))
        self._make_bias(self.filters)

    def build(self, input_shape):
        super().build(input_shape)
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform",
                    b_initializer="zeros"):
        """Freeze the kernel and train a rank-``rank`` update of it (Keras's LoRA)."""
        self._check_enable_lora(self.kernel_constraint, "kernel", "kernel_constraint")
        kernel = self._kernel
        self.lora_kernel_a = self.add_weight(
            name="lora_kernel_a", shape=tuple(kernel.shape[:-1]) + (rank,),
            initializer=initializers.get(a_initializer), dtype="float32",
            regularizer=self.kernel_regularizer)
        self.lora_kernel_b = self.add_weight(
            name="lora_kernel_b", shape=(rank, self.filters),
            initializer=initializers.get(b_initializer), dtype="float32",
            regularizer=self.kernel_regularizer)
        self._set_weight_trainable(kernel, False)
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def save_own_variables(self, store):
        """Keras's store: ``"0"`` the kernel (LoRA merged), ``"1"`` the bias."""
        if not self.built:
            return
        for i, value in enumerate([self.kernel] + ([self.bias] if self.use_bias else [])):
            store[str(i)] = ops.convert_to_numpy(value)

    def load_own_variables(self, store):
        """The inverse of ``save_own_variables``; a LoRA layer starts from zero factors."""
        if not self.built:
            return
        variables = [self._kernel] + ([self.bias] if self.use_bias else [])
        if len(store) != len(variables) and not self.lora_enabled:
            raise ValueError(f"Layer '{self.name}' expected {len(variables)} variables, but "
                             f"received {len(store)} variables during loading. Expected: "
                             f"{[v.name for v in variables]}")
        for i, var in enumerate(variables):
            var.assign(ops.cast(ops.convert_to_tensor(store[str(i)]), str(var.dtype)))
        if self.lora_enabled:
            for var in (self.lora_kernel_a, self.lora_kernel_b):
                var.assign(ops.zeros(var.shape, dtype=str(var.dtype)))

    def _forward(self, x):
        kernel = self.kernel if self.lora_enabled else self.cast_weight(self._kernel)
        bias = self.cast_weight(self.bias)
        return _conv(x, kernel, self.strides, self.padding, self.dilation_rate, self.groups,
                     self.data_format, bias=bias, activation=self._fused)

    def get_config(self):
        config = {**super().get_config(), "filters": self.filters, "groups": self.groups}
        return {**config, **self._lora_config()}


class Conv1D(_BaseConv):
    """1D convolution; padding may also be 'causal' (output t sees inputs <= t)."""

    rank = 1
    _PADDINGS = ("valid", "same", "causal")

    def _out_spatial(self, shape):
        if self.padding != "causal":
            return super()._out_spatial(shape)
        return self._spatial(shape)  # causal keeps the length (stride 1) or ceil(len / stride)

    def compute_output_shape(self, input_shape):
        if self.padding != "causal":
            return super().compute_output_shape(input_shape)
        self._check_input(input_shape, built=False)
        (n,) = self._spatial(input_shape)
        n = None if n is None else -(-n // self.strides[0])
        return self._with_channels(input_shape[0], (n,), self.filters)


class Conv2D(_BaseConv):
    rank = 2


class Conv3D(_BaseConv):
    rank = 3


# Keras aliases
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
