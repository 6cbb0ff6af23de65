#!/usr/bin/env bash
# GPU checks for a machine with no network: the source tree on the machine's own numpy / cupy /
# pytest (torch too when it is installed). Logs and results go under $OUT (else ./out).
#
# A device session is short (about 15 minutes including machine start, with room for a rerun),
# so the run is split into phases in priority order, each under its own `timeout`, the whole run
# within GPU_CI_BUDGET seconds (default 300). A phase never takes time reserved for the more
# important phases after it, and the broad gpu-marked suite runs last with what is left:
#   a  env      versions, devices; compile every kernel source once (warms CuPy's kernel cache)
#   b  critical issue-7 tests: cuBLAS, fused optimizers and epilogues, graph capture (eager vs
#               replay equality), mixed precision, optimizers on the device
#   b2 parity   every CUDA kernel against its NumPy twin (tests/backend/cuda/test_<family>.py)
#   c  steps    training steps/s table: cuflow eager/captured vs PyTorch (cuflow bench)
#   d  kernels  kernel bandwidth vs device copy (benchmarks/bench_kernels.py)
#   e  rest     the rest of the gpu-marked suite
# Without a GPU (a CPU-only machine) every phase still runs and reports its skips quickly.
# Environment: OUT, PYTHON (default: python on PATH), GPU_CI_BUDGET (seconds).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
out="${OUT:-$PWD/out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export OUT="$out"
PY="${PYTHON:-$(command -v python || command -v python3)}"
budget="${GPU_CI_BUDGET:-300}"
start=$SECONDS
status=0
summary=()

if "$PY" -c "import cupy, sys; sys.exit(cupy.cuda.runtime.getDeviceCount() < 1)" >/dev/null 2>&1
then have_gpu=1; else have_gpu=0; fi

# run_phase NAME CAP RESERVE LOG CMD...: run CMD with output to $out/LOG under a timeout of
# min(CAP, seconds left in the budget - RESERVE); record pass / fail / timeout / not run.
run_phase() {
  local name=$1 cap=$2 reserve=$3 log=$4
  shift 4
  local left=$(( budget - (SECONDS - start) - reserve ))
  local limit=$(( cap < left ? cap : left ))
  if (( limit < 10 )); then
    echo "== $name: not run, the budget is spent (${left}s left after reserving ${reserve}s)"
    summary+=("$(printf '%-10s %-9s %4s   %s' "$name" "NOT RUN" "-" "budget spent")")
    status=1
    return
  fi
  echo "== $name (timeout ${limit}s) -> $out/$log"
  local t0=$SECONDS rc
  timeout -k 10 "$limit" "$@" >"$out/$log" 2>&1
  rc=$?
  local took=$(( SECONDS - t0 )) result
  case $rc in
    0) result=pass ;;
    5) result="pass"; echo "(no tests selected)" >>"$out/$log" ;;  # pytest: nothing collected
    124|137) result=TIMEOUT; status=1 ;;
    *) result="FAIL($rc)"; status=1 ;;
  esac
  tail -n 15 "$out/$log"
  local detail
  local pat='^(=+ )?[0-9]+ (passed|failed|skipped|error|deselected)|no tests ran'
  pat+='|^all sources:|^skipped:|^rows:'  # kernel compile / step benchmark summaries
  detail="$(grep -E "$pat" "$out/$log" | tail -n 1 | sed 's/^=* *//; s/ *=*$//')"
  summary+=("$(printf '%-10s %-9s %4ss  %s' "$name" "$result" "$took" "${detail:0:110}")")
}

pytest_args=(-q -p no:cacheprovider --durations=15)

# ---- a: environment + every kernel source compiled once ------------------------------------
{
  date -u
  echo "budget ${budget}s; python $PY; gpu visible to CuPy: $have_gpu"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
  "$PY" -c "import sys, numpy; print(sys.version); print('numpy', numpy.__version__)" 2>&1
  "$PY" -c "import cupy; print('cupy', cupy.__version__, 'cuda runtime', \
cupy.cuda.runtime.runtimeGetVersion())" 2>&1 || true
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, \
'available', torch.cuda.is_available())" 2>&1 || echo "torch: not importable"
  "$PY" -m cuflow info 2>&1 || true
} >"$out/env.txt" 2>&1
cat "$out/env.txt"

run_phase a-kernels 90 0 compile-kernels.log "$PY" - <<'EOF'
import sys
import time

from cuflow.backend.cuda import compile as kernels

try:
    import cupy

    count = cupy.cuda.runtime.getDeviceCount()
except Exception as exc:
    count, why = 0, f"{type(exc).__name__}: {exc}"
else:
    why = "no device"
if not count:
    print(f"skipped: no GPU visible to CuPy ({why}); the CPU suite compiles every source with "
          "NVRTC (tests/backend/cuda/test_compile.py)")
    sys.exit(0)
failed, total = 0, time.perf_counter()
for source in kernels.SOURCES:
    t = time.perf_counter()
    try:
        names = kernels.name_expressions(source)
        for expr in names:  # compiles the module once, then looks up each instantiation
            kernels.get_kernel(source, expr)
    except Exception as exc:
        failed += 1
        print(f"{source:18s} FAILED after {time.perf_counter() - t:.1f} s: "
              f"{type(exc).__name__}: {exc}")
    else:
        print(f"{source:18s} {len(names):4d} kernels {time.perf_counter() - t:7.2f} s")
print(f"all sources: {time.perf_counter() - total:.1f} s, {failed} failed")
sys.exit(1 if failed else 0)
EOF

# ---- b: the issue-7 critical tests (whole files: on a GPU machine the default device is the
# GPU, so their unmarked tests run there too) ------------------------------------------------
shopt -s nullglob
critical=(tests/backend/cuda/test_cublas*.py tests/optimizers/test_fused*.py
          tests/backend/cuda/test_windows*.py tests/trainers/test_captured_step.py
          tests/backend/cuda/test_graph.py
          tests/test_mixed_precision*.py
          tests/optimizers/test_{base,sgd,adam,rmsprop,adagrad,lion,adafactor,ftrl,lamb}.py
          tests/optimizers/test_{clipping,ema}.py)
parity=(tests/backend/cuda/test_{activations,rows,losses,reductions,random,optimizers}*.py
        tests/backend/cuda/test_backend*.py)
shopt -u nullglob
run_phase b-critical 90 150 critical-tests.log "$PY" -m pytest "${pytest_args[@]}" \
  --junitxml="$out/critical-tests.xml" "${critical[@]}"
run_phase b2-parity 60 150 parity-tests.log "$PY" -m pytest "${pytest_args[@]}" \
  --junitxml="$out/parity-tests.xml" "${parity[@]}"

# ---- c: training steps per second (table + JSON; partial JSON survives a timeout) ----------
if (( have_gpu )); then
  bench_args=(--device gpu)
else  # a CPU smoke run of the same command
  bench_args=(--device cpu --models mlp_small --steps 2)
fi
run_phase c-steps 150 40 bench-step.log bash -c \
  '"$0" -m cuflow bench "${@:2}" >"$1/bench_step.txt"; rc=$?; cat "$1/bench_step.txt"; exit $rc' \
  "$PY" "$out" "${bench_args[@]}" --json "$out/bench_step.json"

# ---- d: kernel bandwidth ---------------------------------------------------------------------
# (without a GPU nothing is measured: pytest-benchmark's "not saving anything" warning is no error)
run_phase d-kernels 60 0 bench-kernels.log "$PY" -m pytest "${pytest_args[@]}" \
  -W ignore::pytest_benchmark.logger.PytestBenchmarkWarning \
  benchmarks/bench_kernels.py --benchmark-json="$out/bench_kernels_pytest.json"

# ---- e: the rest of the gpu-marked suite, with what is left ---------------------------------
ignore=()
for f in "${critical[@]}" "${parity[@]}"; do ignore+=(--ignore="$f"); done
run_phase e-rest 120 0 gpu-tests.log "$PY" -m pytest "${pytest_args[@]}" -m gpu \
  --junitxml="$out/gpu-tests.xml" "${ignore[@]}" tests

# ---- summary ---------------------------------------------------------------------------------
{
  echo
  echo "== summary: $(( SECONDS - start ))s of ${budget}s; gpu visible: $have_gpu; logs in $out"
  printf '%s\n' "${summary[@]}"
  if [ -s "$out/bench_step.txt" ]; then
    echo
    cat "$out/bench_step.txt"
  fi
} | tee "$out/summary.txt"
exit $status
