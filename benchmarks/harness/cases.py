"""The fixed models of the step benchmark, the variants measured on each, and how ``--models``
names them (cases, and groups of cases)."""

from __future__ import annotations

import numpy as np

from .fit import MLP_SIZES

#   cuflow eager       the model's ``_train_step`` as ``fit`` runs it with jit_compile=False
#   cuflow captured    ``graph_step.train_function`` with jit_compile=True: one CUDA graph replay
#   torch eager        the same architecture in PyTorch (NCHW for the CNN), Adam
#   torch cuda graph   the PyTorch whole-step CUDA-graph recipe (capturable Adam, warm-up on a
#                      side stream, ``torch.cuda.graph``)
VARIANTS = ("cuflow eager", "cuflow captured", "torch eager", "torch cuda graph")
_MLP_LARGE = (1024, 4096, 4096, 4096, 1000)
_CNN_DESC = "CNN conv3x3(32)-pool-conv3x3(64)-pool-dense128-dense10, 32x32x3"


class Skip(Exception):
    """A variant that does not apply here; the message is the reason."""


class StepCase:
    """One model / batch / precision combination measured by ``steps.step_benchmark``."""

    def __init__(self, name, kind, dims, batch, precision="float32", baseline=None):
        self.name, self.kind, self.dims, self.batch = name, kind, dims, batch
        self.precision = precision  # "float32", "tf32" or "mixed_float16"
        self.baseline = baseline  # the float32 case this one is compared with

    @property
    def description(self):
        what = ("MLP " + "-".join(map(str, self.dims)) if self.kind == "mlp" else _CNN_DESC)
        return f"{what}, Adam, batch {self.batch}, {self.precision}"

    def as_dict(self):
        return {"name": self.name, "kind": self.kind,
                "dims": list(self.dims) if self.dims else None, "batch": self.batch,
                "precision": self.precision, "baseline": self.baseline,
                "description": self.description}


STEP_CASES = {c.name: c for c in (
    StepCase("mlp_small", "mlp", MLP_SIZES, 128),
    StepCase("mlp_large_f32", "mlp", _MLP_LARGE, 4096),
    StepCase("mlp_large_tf32", "mlp", _MLP_LARGE, 4096, "tf32", baseline="mlp_large_f32"),
    StepCase("mlp_large_mixed16", "mlp", _MLP_LARGE, 4096, "mixed_float16",
             baseline="mlp_large_f32"),
    StepCase("cnn_b64", "cnn", None, 64),
    StepCase("cnn_b256", "cnn", None, 256),
)}
STEP_GROUPS = {
    "mlp_large": ("mlp_large_f32", "mlp_large_tf32", "mlp_large_mixed16"),
    "cnn": ("cnn_b64", "cnn_b256"),
    "all": tuple(STEP_CASES),
}
DEFAULT_GPU_MODELS = STEP_GROUPS["all"]
DEFAULT_CPU_MODELS = ("mlp_small", "cnn_b64")  # a few seconds on a 2-core machine
# (steps per round, warm-up steps, rounds); the median round is reported
DEFAULT_GPU_TIMING = (50, 5, 3)
# a CPU step is milliseconds and the machine's load varies: enough steps and rounds that the
# median means something, and the spread (slowest-fastest round) shows how much it moved
DEFAULT_CPU_TIMING = (30, 5, 5)


def resolve_models(models=None, device="cpu"):
    """Case names for ``models``: None (the device's default), "a,b" or a list of case or group
    names. Raises ValueError naming the unknown value and the valid ones."""
    if models is None:
        return list(DEFAULT_GPU_MODELS if str(device).startswith("gpu") else DEFAULT_CPU_MODELS)
    names = models.split(",") if isinstance(models, str) else list(models)
    names = [str(n).strip() for n in names if str(n).strip()]
    if not names:
        raise ValueError(f"no benchmark models given (received {models!r}); expected a comma-"
                         f"separated list of {valid_model_names()}")
    out = []
    for name in names:
        if name in STEP_GROUPS:
            picked = STEP_GROUPS[name]
        elif name in STEP_CASES:
            picked = (name,)
        else:
            raise ValueError(f"unknown benchmark model {name!r}; expected one of "
                             f"{valid_model_names()}")
        out += [p for p in picked if p not in out]
    return out


def valid_model_names():
    return ", ".join(list(STEP_CASES) + [g for g in STEP_GROUPS if g not in STEP_CASES])


def step_data(case, seed=0):
    """One batch ``(x, integer labels)`` of ``case``'s shapes."""
    rng = np.random.default_rng(seed)
    if case.kind == "mlp":
        x = rng.normal(size=(case.batch, case.dims[0])).astype(np.float32)
        classes = case.dims[-1]
    else:
        x = rng.normal(size=(case.batch, 32, 32, 3)).astype(np.float32)
        classes = 10
    return x, rng.integers(0, classes, size=case.batch).astype(np.int64)
