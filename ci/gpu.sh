#!/usr/bin/env bash
# GPU checks for a machine with no network: the source tree on the machine's own numpy / cupy /
# pytest. Writes logs and benchmark results under $OUT when it is set (else ./out).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
out="${OUT:-$PWD/out}"
mkdir -p "$out"
status=0

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || true
  python -c "import sys, numpy, cupy; print(sys.version); print('numpy', numpy.__version__, \
'cupy', cupy.__version__, 'cuda runtime', cupy.cuda.runtime.runtimeGetVersion())"
  python -m cuflow info 2>&1 || true
} > "$out/env.txt" 2>&1
cat "$out/env.txt"

# 1. every gpu-marked test, plus the CPU suite's device-parametrized cases on the GPU
timeout 420 python -m pytest -q -m gpu -p no:cacheprovider tests \
  --junitxml="$out/gpu-tests.xml" 2>&1 | tee "$out/gpu-tests.log" | tail -40
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

# 2. benchmarks (each writes JSON under $OUT itself; pytest-benchmark keeps its own too)
if [ -d benchmarks ]; then
  OUT="$out" timeout 420 python -m pytest -q -p no:cacheprovider benchmarks \
    --benchmark-json="$out/benchmarks.json" 2>&1 | tee "$out/benchmarks.log" | tail -60
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi
exit $status
