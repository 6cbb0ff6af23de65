"""``Optimizer``: the Keras 3 optimizer contract over cuflow Variables.

Updates are written in place into ``variable.data`` (NumPy or CuPy) with ``out=`` ufuncs and one
or two scratch buffers per variable, so a step allocates nothing after the first call and captured
device graphs keep pointing at live memory. Per-step scalars (bias corrections, learning rate) are
Python floats computed once per ``apply``; the step counter lives on the host, so reading it never
synchronises the GPU. Subclasses implement ``_update_step(items, lr)`` over all variables at once;
a Keras-style subclass may instead override ``update_step(gradient, variable, learning_rate)``.
"""

from __future__ import annotations

import numbers
import re
import warnings

import numpy as np

from .. import autodiff
from ..tensor import Tensor, Variable
from . import fused
from . import schedules as _schedules
from ._args import (  # noqa: F401  (re-exported: subclasses import them from here)
    DEFAULT_LR,
    DEFAULT_SGD_LR,
    ArgumentError,
    _as_float,
    _Default,
    _LearningRate,
)
from .accumulation import accumulate, overwrite_with_gradients
from .clipping import clip_gradients
from .ema import overwrite_with_ema, update_ema
from .stateless import stateless_apply


def _device_of(array) -> str:
    if hasattr(array, "__cuda_array_interface__"):
        return f"gpu:{array.device.id}"
    return "cpu"


class Optimizer:
    """Base class: clipping, weight decay, EMA, constraints and the step counter.

    ``Optimizer(learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
    global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
    loss_scale_factor=None, gradient_accumulation_steps=None, name=None)``.
    """

    _default_name = "optimizer"

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            if not isinstance(learning_rate, _Default):
                raise ValueError(f"pass either learning_rate or its deprecated alias lr, not "
                                 f"both; received learning_rate={learning_rate!r}, lr={lr!r}")
            warnings.warn("the `lr` argument is deprecated, use `learning_rate` instead",
                          UserWarning, stacklevel=3)
            learning_rate = lr
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          UserWarning, stacklevel=3)
        if kwargs:
            raise ArgumentError(f"{type(self).__name__} got unexpected keyword argument(s) "
                                f"{sorted(kwargs)}")
        if gradient_accumulation_steps:
            if isinstance(gradient_accumulation_steps, bool) or not isinstance(
                    gradient_accumulation_steps, numbers.Integral) or \
                    gradient_accumulation_steps < 2:
                raise ValueError(f"`gradient_accumulation_steps` must be an integer >= 2. "
                                 f"Received: gradient_accumulation_steps="
                                 f"{gradient_accumulation_steps}")
            gradient_accumulation_steps = int(gradient_accumulation_steps)
        else:
            gradient_accumulation_steps = None
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        set_clips = {k: v for k, v in clips.items() if v is not None}
        if len(set_clips) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: {set_clips}")
        for k, v in set_clips.items():
            clips[k] = _as_float(v, k)
        if weight_decay is not None:
            weight_decay = _as_float(weight_decay, "weight_decay")
        if loss_scale_factor is not None:
            loss_scale_factor = _as_float(loss_scale_factor, "loss_scale_factor")
        if use_ema:
            if not 0.0 <= ema_momentum <= 1.0:
                raise ValueError(f"ema_momentum must be in [0, 1]; received "
                                 f"ema_momentum={ema_momentum!r}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError(f"ema_overwrite_frequency must be an integer >= 1 or None; "
                                 f"received ema_overwrite_frequency={ema_overwrite_frequency!r}")
        self.name = name if name is not None else self._default_name
        self.weight_decay = weight_decay
        self.clipnorm = clips["clipnorm"]
        self.clipvalue = clips["clipvalue"]
        self.global_clipnorm = clips["global_clipnorm"]
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._accumulated_gradients = []
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._var_index = {}
        self._scratch = []
        self._decay_mask = None
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._norm_kernel_ok = {}
        # multi-tensor GPU update (optimizers/fused.py): None = not tried yet, False = not
        # eligible (per-variable path), else its device tables; _fused_last: last apply used it
        self._fused = None
        self._fused_last = False
        # The counter and the learning rate live on the host: reading them each step is free,
        # where a device scalar would cost a synchronisation.
        self._iterations = Variable(np.zeros((), np.int64), trainable=False,
                                    name=f"{self.name}/iteration", device="cpu")
        self._variables.append(self._iterations)
        self._schedule = None
        self._lr_var = None
        self._lr_value = 0.0
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or callable(learning_rate):
            self._schedule = learning_rate
        else:
            self._set_lr_value(_as_float(learning_rate, "learning_rate"))

    # ---- learning rate ----------------------------------------------------------------------
    def _set_lr_value(self, value):
        self._lr_value = value
        if self._lr_var is None:
            # float32 like Keras's learning-rate variable, so saved stores match Keras's
            self._lr_var = Variable(np.asarray(value, np.float32), trainable=False,
                                    name=f"{self.name}/learning_rate", device="cpu")
            self._variables.insert(1, self._lr_var)
        else:
            self._lr_var.data[...] = value

    def _current_lr(self) -> float:
        sched = self._schedule
        if sched is None:
            return self._lr_value
        if isinstance(sched, _schedules.LearningRateSchedule):
            return float(sched(self._iteration_count()))
        return float(sched())

    @property
    def learning_rate(self):
        """The current learning rate as a float (a schedule is evaluated at ``iterations``)."""
        return _LearningRate(self._current_lr(), self)

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, _schedules.LearningRateSchedule) or callable(value):
            self._schedule = value
            if self._lr_var is not None:  # Keras untracks the variable once a schedule rules
                self._variables.remove(self._lr_var)
                self._lr_var = None
            return
        if self._schedule is not None:
            raise TypeError("this optimizer's learning rate is a schedule or callable, so it "
                            "cannot be set to a number; create the optimizer with a float "
                            f"learning_rate to make it settable (received {value!r})")
        self._set_lr_value(_as_float(value, "learning_rate"))

    @property
    def iterations(self):
        """Number of updates so far: an int64 host Variable (with gradient accumulation, a
        Tensor: ``apply`` calls // ``gradient_accumulation_steps``, as Keras)."""
        if self.gradient_accumulation_steps:
            return Tensor(np.asarray(self._iteration_count(), np.int64), device="cpu")
        return self._iterations

    @property
    def variables(self):
        """State Variables in a fixed order: iteration, learning_rate (unless a schedule), then
        per-variable slots in Keras's order."""
        return list(self._variables)

    # ---- building ---------------------------------------------------------------------------
    def build(self, var_list):
        """Create the per-variable state for ``var_list`` (done by the first ``apply``)."""
        var_list = list(var_list)
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"{type(self).__name__} optimizes cuflow Variables; received "
                                f"{type(v).__name__}")
        self._trainable_variables = var_list
        self._var_index = {id(v): i for i, v in enumerate(var_list)}
        self._scratch = [[] for _ in var_list]
        if self.use_ema:
            self._ema = self.add_optimizer_variables(var_list, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                var_list, "gradient_accumulator")
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None, device=None):
        """A state Variable of ``shape`` (zeros, ones or a number), tracked in ``variables``."""
        dtype = np.dtype(dtype if dtype is not None else "float32")
        if isinstance(initializer, numbers.Number):
            host = np.full(shape, initializer, dtype)
        elif initializer in ("zeros", "ones"):
            host = (np.zeros if initializer == "zeros" else np.ones)(shape, dtype)
        elif callable(initializer):
            host = initializer(shape, dtype=dtype)
        else:
            raise ValueError(f"unsupported optimizer variable initializer {initializer!r}")
        var = Variable(host, trainable=False, name=name, dtype=dtype, device=device)
        self._variables.append(var)
        return var

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A state Variable shaped, typed and placed like ``reference_variable``."""
        ref = reference_variable
        full = f"{str(ref.name).replace('/', '_').replace(':', '_')}_{name or 'var'}"
        return self.add_variable(ref.shape, initializer, ref.dtype, name=full, device=ref.device)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name; several names are interleaved per variable, as
        Keras does, so ``variables`` orders match Keras checkpoints."""
        names = [name] if isinstance(name, str) else list(name)
        out = tuple([] for _ in names)
        for v in trainable_variables:
            for k, n in enumerate(names):
                out[k].append(self.add_variable_from_reference(v, n, initializer))
        return out[0] if isinstance(name, str) else out

    def _buffer(self, i, k=0):
        """Scratch array ``k`` for variable ``i``: allocated once, reused every step."""
        bufs = self._scratch[i]
        while len(bufs) <= k:
            v = self._trainable_variables[i]
            bufs.append(v._backend.asarray(np.empty(v.shape, v.dtype)))
        return bufs[k]

    # ---- applying ---------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply ``(gradient, variable)`` pairs; returns ``iterations`` like tf.keras."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """One optimizer step. ``grads`` pair with ``trainable_variables`` (or, once built, with
        the variables the optimizer was built with). None gradients are skipped with a warning."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("apply() without trainable_variables needs a built optimizer; "
                                 "call optimizer.build(trainable_variables) first")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
        if len(grads) != len(variables):
            raise ValueError(f"received {len(grads)} gradients for {len(variables)} variables")
        index = self._var_index
        items, missing = [], []
        for g, v in zip(grads, variables):
            i = index.get(id(v))
            if i is None:
                raise ValueError(f"Unknown variable {getattr(v, 'name', v)!r}: this optimizer "
                                 f"was built for other variables; create a new optimizer for a "
                                 f"new set of variables")
            if g is None:
                missing.append(v.name)
                continue
            items.append((i, self._gradient_array(g, v), v))
        if not items:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          f"loss. If using `model.compile()`, did you forget to provide a "
                          f"`loss` argument?", UserWarning, stacklevel=2)
        items = overwrite_with_gradients(self, items)
        if items and self.gradient_accumulation_steps:
            items = accumulate(self, items) or []
            if not items:  # a step that only accumulates
                self._fused_last = False
                self._iterations.data += 1
                return
        if not items:
            self._fused_last = False
            self._iterations.data += 1
            return
        self._fused_last = self._try_fused(items)
        if not self._fused_last:
            items = clip_gradients(self, items)
            lr = self._current_lr()
            if self.weight_decay is not None:
                self._apply_weight_decay(items, lr)
            self._update_step(items, lr)
        if self.use_ema:
            update_ema(self)
        with autodiff.no_grad():
            for _, _, v in items:
                if v.constraint is not None:
                    v.assign(v.constraint(v))
        self._iterations.data += 1

    def _try_fused(self, items):
        """One multi-tensor launch for clip + decay + update when every variable is on one GPU
        (same semantics as the per-variable path below, which is the fallback)."""
        if self._fused is False or not str(items[0][2].device).startswith("gpu"):
            return False
        return fused.try_apply(self, items)

    def _fused_prepare_replay(self):
        """Before replaying a captured step: write this step's scalars (learning rate at the
        current iteration, bias corrections) into the fused update's device array."""
        fused.prepare_replay(self)

    def _gradient_array(self, g, v):
        arr = g.data if isinstance(g, Tensor) else g
        bk = v._backend
        if not bk.is_native(arr):
            if hasattr(arr, "__cuda_array_interface__") or isinstance(arr, np.ndarray):
                raise ValueError(f"the gradient for variable {v.name!r} is on {_device_of(arr)} "
                                 f"but the variable is on {v.device}; move one of them first")
            arr = bk.asarray(arr)
        if arr.shape != v.data.shape:
            raise ValueError(f"the gradient for variable {v.name!r} has shape "
                             f"{tuple(arr.shape)}, but the variable has shape {v.shape}")
        if arr.dtype != v.data.dtype:
            arr = arr.astype(v.data.dtype)  # Keras casts the gradient to the variable's dtype
        return arr

    # ---- weight decay -----------------------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these Variables, or for Variables whose name contains any of
        ``var_names`` (regular expressions, as in Keras)."""
        self._exclude_ids = {id(v) for v in (var_list or ())}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._decay_mask = None
        self._fused = None  # its per-tensor decay flags are rebuilt

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        pat = self._exclude_pattern
        return not (pat is not None and pat.search(str(variable.name)))

    def _apply_weight_decay(self, items, lr):
        mask = self._decay_mask
        if mask is None:
            mask = self._decay_mask = [self._use_weight_decay(v)
                                       for v in self._trainable_variables]
        keep = 1.0 - self.weight_decay * lr  # w - w*wd*lr, in one in-place pass
        for i, _, v in items:
            if mask[i]:
                v.data *= keep

    # ---- the update -------------------------------------------------------------------------
    def _iteration_count(self) -> int:
        """Updates so far (``apply`` calls, divided by the accumulation steps)."""
        n = int(self._iterations.data)
        steps = self.gradient_accumulation_steps
        return n // steps if steps else n

    def _update_step(self, items, lr):
        """Update every variable; built-in optimizers override this with in-place math."""
        for _, g, v in items:
            self.update_step(Tensor._wrap(g, backend=v._backend), v, lr)

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement update_step() or "
                                  f"_update_step()")

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """``apply`` on the given values (Keras's functional form): returns
        ``(new trainable values, new optimizer values)`` and leaves every Variable unchanged."""
        return stateless_apply(self, optimizer_variables, grads, trainable_variables)

    def scale_loss(self, loss):
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    def fused_update_spec(self):
        """What this optimizer's multi-tensor GPU update needs (``fused.FusedUpdateSpec``: the
        kernel, its options and slot variables), or None when it has no fused kernel. The
        per-step kernel scalars come from ``fused_hyperparameters``."""
        return None

    def fused_hyperparameters(self, lr):
        """The fused kernel's per-step scalars (at most four) for the next step at rate ``lr``."""
        return ()

    # ---- EMA --------------------------------------------------------------------------------
    def finalize_variable_values(self, var_list):
        """With ``use_ema``, overwrite ``var_list`` with their moving averages (end of fit)."""
        if self.use_ema and self.built:
            overwrite_with_ema(self, var_list)

    # ---- state ------------------------------------------------------------------------------
    def save_own_variables(self, store):
        """Write host copies of ``variables`` into ``store`` under keys "0", "1", ..."""
        for i, v in enumerate(self._variables):
            store[str(i)] = np.array(v.numpy(), copy=True)

    def load_own_variables(self, store):
        """Restore ``variables`` from a store written by ``save_own_variables``."""
        if len(store) != len(self._variables):
            if not self.built:
                raise ValueError(f"You are calling `load_own_variables()` or `set_weights()` on "
                                 f"an optimizer that has not yet been built: optimizer "
                                 f"{self.name!r} has {len(self._variables)} variables but the "
                                 f"store holds {len(store)}. Call `optimizer.build("
                                 f"trainable_variables)` first.")
            raise ValueError(f"optimizer {self.name!r} has {len(self._variables)} variables but "
                             f"the store holds {len(store)}")
        values = []
        for i, v in enumerate(self._variables):
            if str(i) not in store:
                raise ValueError(f"optimizer store is missing key {str(i)!r} for variable "
                                 f"{v.name!r}")
            value = np.asarray(store[str(i)])
            if value.shape != v.shape:
                raise ValueError(f"optimizer variable {i} ({v.name!r}) has shape {v.shape} but "
                                 f"the stored value has shape {value.shape}")
            values.append(value)
        for v, value in zip(self._variables, values):
            v.assign(v._backend.asarray(value.astype(v.dtype, copy=False)))
        if self._lr_var is not None:
            stored = float(self._lr_var.data)
            # keep the exact float when the store only holds its float32 rounding
            if float(np.float32(self._lr_value)) != stored:
                self._lr_value = stored

    def get_weights(self):
        return [v.numpy() for v in self._variables]

    def set_weights(self, weights):
        self.load_own_variables({str(i): w for i, w in enumerate(weights)})

    # ---- config -----------------------------------------------------------------------------
    def get_config(self):
        sched = self._schedule
        if sched is None:
            lr = self._lr_value
        elif isinstance(sched, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(sched)
        else:
            lr = float(sched())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"],
                                                             custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} learning_rate={self._current_lr():g}>"

