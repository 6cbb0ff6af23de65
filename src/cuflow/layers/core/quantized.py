"""What quantizable layers (Dense, EinsumDense, Embedding) share, as Keras 3's ``Layer``:
the dtype policy that carries the quantization mode, ``quantize(mode, config=...)`` with its
checks, the dispatch to ``_<mode>_build`` / ``_<mode>_call``, and LoRA bookkeeping.

A layer quantized to int8 stores its kernel as int8 with a float scale per output channel
(``kernel ≈ q / scale``); int4 packs two values per int8 byte; float8 keeps a float kernel and
rounds inputs and kernel to the float8 grid by running scales. The gradient reaching the inputs
is the float gradient through the dequantized kernel, as Keras's custom gradients compute it.
"""

from __future__ import annotations

from ... import dtype_policies, ops, quantizers
from ...quantizers import validate_and_resolve_config
from ...quantizers.config import QUANTIZATION_MODES
from ..lora import LoraMixin


def mode_error(mode):
    return NotImplementedError(f"Invalid quantization mode. Expected one of "
                               f"{QUANTIZATION_MODES}. Received: quantization_mode={mode}")


class QuantizableMixin(LoraMixin):
    """Mixed into a Layer subclass that implements ``_quantize_weights(mode, config)``,
    ``quantized_build`` pieces (``_int8_build`` ...) and ``_int8_call`` ...."""

    _quantizable_class = None  # the class whose exact instances may quantize (Keras's check)
    _is_quantized = False
    _int4_block_size = None
    quantization_config = None

    @property
    def dtype_policy(self):
        return self.__dict__["_dtype_policy"]

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        self.__dict__["_dtype_policy"] = policy
        self.__dict__["dtype"] = policy.variable_dtype
        self.__dict__["compute_dtype"] = policy.compute_dtype
        mode = policy.quantization_mode
        if mode is not None and self.__dict__.get("built") and not self._is_quantized:
            if mode in ("gptq", "awq"):
                raise ValueError(f"Implicitly enabling {mode.upper()} quantization by setting "
                                 f"`dtype_policy` to '{value}' is not supported. Please use the "
                                 f"`.quantize('{mode}', config=...)` method on the layer or "
                                 f"model instead.")
            self.quantize(mode, type_check=False)

    @property
    def quantization_mode(self):
        """The quantization mode of this layer, None if not quantized."""
        return self.dtype_policy.quantization_mode

    def _check_quantize_args(self, mode):
        if not self.built:
            raise ValueError(f"Cannot quantize a layer that isn't yet built. Layer "
                             f"'{self.name}' (of type '{type(self).__name__}') is not built yet.")
        if self._is_quantized:
            raise ValueError(f"Layer '{self.name}' is already quantized with "
                             f"dtype_policy='{self.dtype_policy.name}'. Received: mode={mode}")
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of "
                             f"{QUANTIZATION_MODES}. Received: mode={mode}")
        if mode == "int8" and self.compute_dtype == "float16":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with "
                             f"compute_dtype='float16'. Consider loading model/layer with "
                             f"another dtype policy such as 'mixed_bfloat16' or "
                             f"'mixed_float16' before calling `quantize()`.")

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantize the built layer's weights in place (``"int8"``, ``"int4"``, ``"float8"``)."""
        config = validate_and_resolve_config(mode, config)
        mode = config.mode
        self._check_quantize_args(mode)
        if type_check and type(self) is not self._quantizable_class:
            raise NotImplementedError(f"Layer {type(self).__name__} does not have a `quantize` "
                                      f"method implemented.")
        self.quantization_config = config
        if mode in ("gptq", "awq"):  # Keras's storage; the float kernel stays until calibrated
            if mode == "gptq" and getattr(self, "lora_enabled", False):
                raise NotImplementedError("lora is not currently supported with GPTQ "
                                          "quantization.")
            self.quantized_build(tuple(self._kernel.shape), mode, config)
        else:
            self._quantize_weights(mode, config)
        self._is_quantized = True
        if self.dtype_policy.quantization_mode is None:
            name = mode
            if mode in ("gptq", "awq"):
                name = config.dtype_policy_string()
            elif mode == "int4":
                block = self._int4_block_size
                name = f"int4/{-1 if block is None else block}"
            self.dtype_policy = f"{name}_from_{self.dtype_policy.name}"

    def quantized_build(self, kernel_shape, mode, config=None):
        build = {"int8": self._int8_build, "int4": self._int4_build,
                 "float8": getattr(self, "_float8_build", None),
                 "gptq": getattr(self, "_gptq_build", None),
                 "awq": getattr(self, "_awq_build", None)}.get(mode)
        if build is None and mode in ("gptq", "awq"):
            raise NotImplementedError(f"{type(self).__name__} '{self.name}' does not support "
                                      f"{mode.upper()} quantization (dtype policy "
                                      f"'{self.dtype_policy.name}')")
        if build is None:
            raise mode_error(mode)
        build(kernel_shape, config)
        self._is_quantized = True

    def quantized_call(self, *args, **kwargs):
        call = {"int8": getattr(self, "_int8_call", None),
                "int4": getattr(self, "_int4_call", None),
                "float8": getattr(self, "_float8_call", None),
                "gptq": getattr(self, "_gptq_call", None),
                "awq": getattr(self, "_awq_call", None)}.get(self.quantization_mode)
        if call is None:
            raise mode_error(self.quantization_mode)
        return call(*args, **kwargs)

    def _forget_weight(self, var):
        """Drop ``var`` from this layer's tracked weights (it is being replaced)."""
        self._own_weights = [(v, t) for v, t in self._own_weights if v is not var]
        self._regularized = [(v, r) for v, r in self._regularized if v is not var]



def int_matmul_dequant(inputs, q_kernel, kernel_scale, inputs_quantizer, compute_dtype,
                       float_kernel_fn):
    """``inputs @ q_kernel`` de-scaled by ``kernel_scale`` (and the inputs' own scale when an
    ``inputs_quantizer`` quantizes them per row, the product then taken in int32). The inputs'
    gradient goes through the float kernel ``float_kernel_fn()``, as Keras's custom gradient."""

    @ops.custom_gradient
    def forward(x, kernel, scale):
        def grad_fn(upstream):
            return ops.matmul(upstream, ops.transpose(float_kernel_fn())), None, None

        out_scale = scale
        if inputs_quantizer:
            qx, x_scale = inputs_quantizer(x, axis=-1)
            out_scale = ops.multiply(out_scale, x_scale)
            y = ops.matmul(ops.cast(qx, "int32"), ops.cast(kernel, "int32"))
        else:
            y = ops.matmul(x, ops.cast(kernel, compute_dtype))
        return ops.divide(ops.cast(y, compute_dtype), out_scale), grad_fn

    return forward(inputs, q_kernel, kernel_scale)


def _leaves(layer):
    out, stack = [], [layer]
    while stack:
        cur = stack.pop(0)
        out.append(cur)
        stack.extend(getattr(cur, "_layers", []))
    return out


def _matches(layer, filters):
    import re

    if filters is None:
        return True
    if callable(filters):
        return bool(filters(layer))
    patterns = [filters] if isinstance(filters, str) else list(filters)
    return any(re.search(p, layer.name) for p in patterns)


def quantize_layers(root, mode=None, config=None, filters=None, type_check=True):
    """``Model.quantize``: quantize every leaf layer under ``root`` that implements it (a layer
    without ``quantize``, or one that refuses with NotImplementedError, is left as it is)."""
    import warnings

    if mode in ("gptq", "awq") or getattr(config, "mode", None) in ("gptq", "awq"):
        raise NotImplementedError("GPTQ / AWQ need a calibration pass over a dataset, which "
                                  "cuflow does not implement; quantize with 'int8' or 'int4' "
                                  "(layers load GPTQ / AWQ weights calibrated by Keras)")
    if filters is not None and not isinstance(filters, (str, list, tuple)) and \
            not callable(filters):
        raise ValueError(f"The `filters` argument must be a regex string, a list of regex "
                         f"strings, or a callable. Received: {type(filters)}")
    for layer in _leaves(root):
        if layer is root or getattr(layer, "_layers", None) or not _matches(layer, filters):
            continue
        quantize = getattr(layer, "quantize", None)
        if quantize is None:
            continue
        try:
            quantize(mode, type_check=type_check, config=config)
        except NotImplementedError as e:
            warnings.warn(str(e), stacklevel=2)


class OwnVariablesMixin:
    """``save_own_variables`` / ``load_own_variables`` as Keras 3: a store keyed ``"0"``,
    ``"1"`` ... in the order of ``variable_serialization_spec[mode]``; with LoRA enabled the
    saved table is the merged one (re-quantized when the layer is quantized), and loading
    into a LoRA layer resets the LoRA factors to zero. The layer provides
    ``variable_serialization_spec``, ``_main_name`` (``"kernel"`` / ``"embeddings"``) and
    ``_merged_main()`` -> ``{name: value}`` for the LoRA merge."""

    def _spec_names(self):
        spec = self.variable_serialization_spec
        mode = self.quantization_mode
        if mode not in spec:
            raise mode_error(mode)
        return spec[mode]

    def _own_variable(self, name):
        return getattr(self, f"_{name}" if name == self._main_name else name, None)

    def save_own_variables(self, store):
        if not self.built:
            return
        merged = self._merged_main() if self.lora_enabled else {}
        idx = 0
        for name in self._spec_names():
            value = merged.get(name, self._own_variable(name))
            if value is None:
                continue
            store[str(idx)] = ops.convert_to_numpy(value)
            idx += 1

    def load_own_variables(self, store):
        if not self.built:
            return
        if self.quantization_mode in ("gptq", "awq"):  # a saved GPTQ / AWQ layer is calibrated
            self.is_gptq_calibrated = self.quantization_mode == "gptq"
            self.is_awq_calibrated = self.quantization_mode == "awq"
        variables = [v for v in (self._own_variable(n) for n in self._spec_names())
                     if v is not None]
        if len(store) != len(variables) and not self.lora_enabled:
            raise ValueError(f"Layer '{self.name}' expected {len(variables)} variables, but "
                             f"received {len(store)} variables during loading. Expected: "
                             f"{[v.name for v in variables]}")
        for i, var in enumerate(variables):
            var.assign(ops.cast(ops.convert_to_tensor(store[str(i)]), str(var.dtype)))
        if self.lora_enabled:
            for var in self._lora_variables():
                var.assign(ops.zeros(var.shape, dtype=str(var.dtype)))


_E4M3_MAX, _E5M2_MAX = 448.0, 57344.0


class Float8Mixin:
    """float8 training as Keras: inputs and kernel rounded to float8 e4m3 by running scales,
    the output gradient to e5m2; each scale follows the max of its amax history. Keras moves
    the scales through the optimizer (``overwrite_with_gradient``); here the training forward
    (and backward, for the output gradient) assigns them directly."""

    def _float8_build(self, kernel_shape=None, config=None):
        length = getattr(self.dtype_policy, "amax_history_length", 1024)
        for name in ("inputs", "kernel", "outputs_grad"):
            setattr(self, f"{name}_scale", self.add_weight(
                name=f"{name}_scale", shape=(), initializer="ones", dtype="float32",
                autocast=False, overwrite_with_gradient=True))
            setattr(self, f"{name}_amax_history", self.add_weight(
                name=f"{name}_amax_history", shape=(length,), initializer="zeros",
                dtype="float32", autocast=False, overwrite_with_gradient=True))

    def _qdq_inputs(self, inputs, training):
        return self._qdq(inputs, "inputs", training)

    def _qdq_kernel(self, training):
        return self._qdq(self.cast_weight(self._kernel), "kernel", training)

    def _qdq(self, x, name, training):
        """``x`` rounded to float8 e4m3 by the current scale (the gradient passes straight
        through); in training the scale and amax history move on."""
        scale = getattr(self, f"{name}_scale")
        history = getattr(self, f"{name}_amax_history")
        qdq = quantizers.quantize_and_dequantize(ops.stop_gradient(x), scale, "float8_e4m3fn",
                                                 self.compute_dtype)
        out = ops.add(x, ops.stop_gradient(ops.subtract(qdq, x)))
        if training:
            new_scale = quantizers.compute_float8_scale(ops.max(history, axis=0), scale,
                                                        _E4M3_MAX)
            history.assign(quantizers.compute_float8_amax_history(ops.stop_gradient(x), history))
            scale.assign(new_scale)
        return out

    def _qdq_grad(self, x, training):
        """Identity forward; the output gradient rounded to float8 e5m2 by its scale."""
        scale, history = self.outputs_grad_scale, self.outputs_grad_amax_history
        compute_dtype = self.compute_dtype

        @ops.custom_gradient
        def forward(y):
            def grad_fn(upstream):
                if training:
                    new_scale = quantizers.compute_float8_scale(
                        ops.max(history, axis=0), scale, _E5M2_MAX)
                    out = quantizers.quantize_and_dequantize(upstream, scale, "float8_e5m2",
                                                             compute_dtype)
                    history.assign(quantizers.compute_float8_amax_history(upstream, history))
                    scale.assign(new_scale)
                    return out
                return quantizers.quantize_and_dequantize(upstream, scale, "float8_e5m2",
                                                          compute_dtype)

            return y, grad_fn

        return forward(x)
