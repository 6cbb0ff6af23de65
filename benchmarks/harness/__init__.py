"""Training-throughput measurements shared by ``cuflow bench`` and the ``benchmarks/bench_*.py``
files.

Every figure is reported beside a reference measured in the same run: a hand-written NumPy (or
CuPy) step of the same MLP, and PyTorch when it is importable.

- ``fit``: samples per second of ``Model.fit`` on an MLP beside a hand-written step
  (``cuflow bench --fit``); ``fit_torch``: the same MLP in PyTorch.
- ``cases``: the fixed models of the step benchmark and how ``--models`` names them.
- ``steps``: training steps per second of every case and variant (``cuflow bench``), with
  ``step_cuflow`` / ``step_torch`` running one variant and ``clocks`` timing it.
- ``report``: the text table and the JSON file.

This package lives in the repository's ``benchmarks/harness/``; the wheel ships it as the
private ``cuflow._benchmarks`` (pyproject's force-include), so relative imports only in here.
"""

from .cases import (
    DEFAULT_CPU_MODELS,
    DEFAULT_GPU_MODELS,
    STEP_CASES,
    STEP_GROUPS,
    VARIANTS,
    StepCase,
    resolve_models,
    valid_model_names,
)
from .fit import MLP_SIZES, format_table, mlp_table
from .report import format_step_table, write_json
from .steps import step_benchmark

__all__ = ["DEFAULT_CPU_MODELS", "DEFAULT_GPU_MODELS", "MLP_SIZES", "STEP_CASES", "STEP_GROUPS",
           "VARIANTS", "StepCase", "format_step_table", "format_table", "mlp_table",
           "resolve_models", "step_benchmark", "valid_model_names", "write_json"]
