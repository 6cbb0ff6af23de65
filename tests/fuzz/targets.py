"""What the fuzzer calls: every public op, layer (constructor + call), loss, metric, and
``fit`` / ``predict`` / ``evaluate``. Arguments come from the callee's signature: each
parameter name maps to a strategy of plausible, odd and malformed values (``values.py``).

A case is ``(target, name, kwargs-of-descriptors)``; ``run_case`` builds and runs it.
"""

from __future__ import annotations

import inspect

from hypothesis import strategies as st

from . import values as V

TENSOR_PARAMS = {"x", "a", "b", "y", "condition", "params", "indices", "y_true", "y_pred",
                 "kernel", "bias", "depthwise_kernel", "pointwise_kernel", "inputs",
                 "clip_value_min", "clip_value_max"}
INT_PARAMS = {"depth", "units", "filters", "n", "input_dim", "output_dim", "k",
              "depth_multiplier", "groups", "num_thresholds", "height", "width", "top_k",
              "class_id", "num_labels", "batch_size", "epochs", "steps", "steps_per_epoch"}
SIZE_PARAMS = {"strides", "pool_size", "kernel_size", "dilation_rate", "size",
               "output_padding", "cropping", "dims", "target_shape"}
FLOAT_PARAMS = {"rate", "stddev", "alpha", "negative_slope", "max_value", "threshold", "delta",
                "label_smoothing", "momentum", "epsilon", "l1", "l2", "factor", "scale",
                "offset", "mask_value", "constant_values", "height_factor", "width_factor",
                "validation_split", "fill_value"}
STRING_PARAMS = {"data_format", "mode", "interpolation", "name", "activation",
                 "activation_name", "curve", "summation_method", "merge_mode",
                 "recurrent_activation", "fill_mode", "reduction"}
BOOL_PARAMS = {"keepdims", "training", "from_logits", "approximate", "return_sequences",
               "return_state", "go_backwards", "normalize", "use_bias", "center", "scale_",
               "mask_zero", "invert", "shuffle", "multi_label", "stateful", "unroll"}


def strategy_for(name, default):
    """The strategy for one parameter, by name (unknown names: a tensor or junk)."""
    if name in TENSOR_PARAMS:
        return V.tensor_or_junk()
    if name == "values":
        return st.one_of(st.lists(V.arrays(), min_size=0, max_size=3), V.odd_scalars.map(V.Lit))
    if name in ("axis", "axes"):
        return V.axes.map(V.Lit)
    if name in ("shape", "multiples", "noise_shape"):
        return st.one_of(V.shape_args(), V.odd_scalars).map(V.Lit)
    if name == "paddings":
        pair = st.tuples(V.ints, V.ints)
        return st.one_of(st.lists(pair, max_size=4), V.odd_scalars).map(V.Lit)
    if name == "padding":
        return st.one_of(V.strings, V.sizes, st.tuples(st.tuples(V.ints, V.ints),
                                                       st.tuples(V.ints, V.ints))).map(V.Lit)
    if name == "index":
        return st.one_of(V.ints, st.tuples(V.ints, V.ints), V.arrays(kinds=("array",)),
                         V.odd_scalars.map(V.Lit))
    if name == "num_or_size_splits":
        return st.one_of(V.ints, st.lists(V.ints, max_size=3), V.odd_scalars).map(V.Lit)
    if name in INT_PARAMS:
        return st.one_of(V.ints, V.odd_scalars).map(V.Lit)
    if name in SIZE_PARAMS:
        return V.sizes.map(V.Lit)
    if name in FLOAT_PARAMS:
        return V.floats.map(V.Lit)
    if name in STRING_PARAMS:
        return st.one_of(V.strings, V.odd_scalars).map(V.Lit)
    if name in BOOL_PARAMS:
        return st.one_of(st.booleans(), V.odd_scalars).map(V.Lit)
    if name == "dtype":
        return st.sampled_from(["float32", "float64", "int32", "bool", "object", "bogus",
                                None]).map(V.Lit)
    if name in ("layer", "cell", "function", "backward_layer"):
        return st.sampled_from(["dense", "rnn", "cell", "fn", None, 3]).map(V.Lit)
    return V.tensor_or_junk()


def _resolve_special(name, value):
    """Stand-ins for arguments that must be objects (a wrapped layer, a cell, a function)."""
    from cuflow import layers, ops

    if name in ("layer", "cell", "function", "backward_layer") and isinstance(value, str):
        return {"dense": lambda: layers.Dense(2), "rnn": lambda: layers.SimpleRNN(2),
                "cell": lambda: layers.SimpleRNNCell(2), "fn": lambda: ops.tanh}[value]()
    return value


@st.composite
def call_args(draw, fn, skip=("self", "kwargs", "args")):
    """kwargs for ``fn``: required parameters always, optional ones sometimes."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    out = {}
    for pname, p in params.items():
        if pname in skip or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        required = p.default is inspect.Parameter.empty
        if required or draw(st.integers(0, 3)) == 0:
            out[pname] = draw(strategy_for(pname, None if required else p.default))
    return out


# ---- the callables ------------------------------------------------------------------------------
def public_ops():
    from cuflow import ops

    return sorted(n for n in dir(ops) if not n.startswith("_") and callable(getattr(ops, n))
                  and not inspect.ismodule(getattr(ops, n)))


def public_layers():
    from cuflow import layers

    return sorted(n for n, c in vars(layers).items()
                  if isinstance(c, type) and issubclass(c, layers.Layer)
                  and n not in ("Layer", "Wrapper"))


def public_losses():
    from cuflow import losses

    skip = {"Loss", "LossFunctionWrapper", "Reduction", "deserialize", "serialize", "get",
            "standardize_reduction", "REDUCTIONS",
            # internal helpers re-exported for Keras parity; they take Tensors by contract
            "squeeze_or_expand_to_same_rank", "reduce_weighted_values"}
    return sorted(n for n in losses.__all__ if n not in skip and callable(getattr(losses, n)))


def public_metrics():
    from cuflow import metrics

    skip = {"Metric", "MeanMetricWrapper"}
    return sorted(n for n in dir(metrics) if isinstance(getattr(metrics, n), type)
                  and n not in skip)


@st.composite
def op_case(draw):
    from cuflow import ops

    name = draw(st.sampled_from(public_ops()))
    return ("op", name, draw(call_args(getattr(ops, name))))


@st.composite
def layer_case(draw):
    from cuflow import layers

    name = draw(st.sampled_from(public_layers()))
    ctor = draw(call_args(getattr(layers, name).__init__))
    n_inputs = draw(st.sampled_from([1, 1, 2]))
    ins = [draw(V.tensor_or_junk()) for _ in range(n_inputs)]
    return ("layer", name, {"ctor": ctor, "inputs": ins, "training": draw(st.booleans())})


@st.composite
def loss_case(draw):
    from cuflow import losses

    name = draw(st.sampled_from(public_losses()))
    obj = getattr(losses, name)
    if isinstance(obj, type):
        return ("loss", name, {"ctor": draw(call_args(obj.__init__)),
                               "y_true": draw(V.tensor_or_junk()),
                               "y_pred": draw(V.tensor_or_junk()),
                               "sample_weight": draw(st.one_of(st.none().map(V.Lit),
                                                               V.tensor_or_junk()))})
    return ("loss", name, {"call": draw(call_args(obj))})


@st.composite
def metric_case(draw):
    from cuflow import metrics

    name = draw(st.sampled_from(public_metrics()))
    cls = getattr(metrics, name)
    n_args = 1 if name in ("Mean", "Sum") else 2
    return ("metric", name, {"ctor": draw(call_args(cls.__init__)),
                             "args": [draw(V.tensor_or_junk()) for _ in range(n_args)],
                             "sample_weight": draw(st.one_of(st.none().map(V.Lit),
                                                             V.tensor_or_junk()))})


@st.composite
def fit_case(draw):
    method = draw(st.sampled_from(["fit", "fit", "predict", "evaluate", "train_on_batch",
                                   "predict_on_batch"]))
    good_x = V.arrays(dtypes=("float32", "float64", "int64", "float16"),
                      shape=draw(st.sampled_from([(4, 3), (0, 3), (1, 3), (4, 2), (4,)])))
    kw = {"x": draw(st.one_of(good_x, V.tensor_or_junk()))}
    if method in ("fit", "evaluate", "train_on_batch"):
        good_y = V.arrays(dtypes=("float32", "int64", "bool"),
                          shape=draw(st.sampled_from([(4, 2), (4,), (3, 2), (0, 2)])))
        kw["y"] = draw(st.one_of(good_y, V.tensor_or_junk()))
    if method in ("fit", "evaluate", "predict"):
        kw["batch_size"] = draw(st.one_of(st.none(), V.ints, st.sampled_from([2.0, "2"])))
    if method == "fit":
        kw["epochs"] = draw(st.sampled_from([1, 2, 0, -1, 1.5, None, "1", True]))
        for opt_name, strat in (("validation_split", V.floats), ("shuffle", st.booleans()),
                                ("steps_per_epoch", st.one_of(st.none(), V.ints)),
                                ("initial_epoch", st.sampled_from([0, 1, -1, 5, 2**40]))):
            if draw(st.booleans()):
                kw[opt_name] = draw(strat)
        if draw(st.integers(0, 4)) == 0:
            kw["sample_weight"] = draw(V.tensor_or_junk())
        if draw(st.integers(0, 4)) == 0:
            kw["class_weight"] = draw(st.sampled_from([{0: 1.0}, {"a": 1}, {0: float("nan")},
                                                       [], {2**40: 1.0}]))
    kw = {k: (v if isinstance(v, (V.Arr, V.Lit)) else V.Lit(v)) for k, v in kw.items()}
    return ("fit", method, kw)


CASES = {"ops": op_case, "layers": layer_case, "losses": loss_case, "metrics": metric_case,
         "fit": fit_case}


# ---- running one case ---------------------------------------------------------------------------
def prepare(case):
    """Build the case's values (harness work, outside the checked region) and return a thunk
    that makes the calls under test."""
    from cuflow import layers, losses, metrics, models, ops

    kind, name, args = case
    if kind == "op":
        kw = V.build(args)
        return lambda: getattr(ops, name)(**kw)
    if kind == "layer":
        ctor = {k: _resolve_special(k, v) for k, v in V.build(args["ctor"]).items()}
        ins = V.build(args["inputs"])
        x = ins[0] if len(ins) == 1 else ins

        def call_layer():
            layer = getattr(layers, name)(**ctor)
            if "training" in inspect.signature(layer.call).parameters:
                return layer(x, training=args["training"])
            return layer(x)
        return call_layer
    if kind == "loss":
        obj = getattr(losses, name)
        if "call" in args:
            kw = V.build(args["call"])
            return lambda: obj(**kw)
        ctor, yt, yp = V.build(args["ctor"]), V.build(args["y_true"]), V.build(args["y_pred"])
        sw = V.build(args["sample_weight"])
        return lambda: obj(**ctor)(yt, yp, sample_weight=sw)
    if kind == "metric":
        ctor, margs, sw = V.build(args["ctor"]), V.build(args["args"]), \
            V.build(args["sample_weight"])

        def call_metric():
            m = getattr(metrics, name)(**ctor)
            m.update_state(*margs, sample_weight=sw)
            return m.result()
        return call_metric
    kw = V.build(args)
    if name in ("fit", "evaluate", "predict"):
        kw["verbose"] = 0

    def call_model():
        model = models.Sequential([layers.Input((3,)), layers.Dense(2)])
        model.compile("sgd", "mse")
        return getattr(model, name)(**kw)
    return call_model
