#!/usr/bin/env bash
# CPU CI: a fresh virtual environment, the README's install command, ruff, the README's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"

# --- the README's install command (keep the two in step) ---
python -m pip install --quiet ".[dev]"

# --- MPI for the data-parallel tests (tests/distribute, benchmarks/bench_allreduce.py) ---
# Debian's Open MPI from apt when missing (root only), then mpi4py into the venv. Anything that
# fails here is logged and skipped: those tests then skip with a reason instead of failing.
if ! command -v mpicc >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ci: installing openmpi-bin libopenmpi-dev with apt-get"
        if ! { apt-get update -qq &&
               DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                   openmpi-bin libopenmpi-dev >/dev/null; }; then
            echo "ci: apt-get could not install Open MPI; MPI tests will be skipped"
        fi
    else
        echo "ci: no mpicc, and apt-get as root is unavailable; MPI tests will be skipped"
    fi
fi
if command -v mpicc >/dev/null 2>&1 && ! python -c "import mpi4py" >/dev/null 2>&1; then
    python -m pip install --quiet "mpi4py>=3.1" ||
        echo "ci: pip could not install mpi4py; MPI tests will be skipped"
fi

# --- a C++ compiler for the simulator tier (tests/simulator: every CUDA kernel run on the CPU) ---
# CUFLOW_REQUIRE_SIM=1 turns the tier's "no compiler" skip into a failure: in CI a kernel change
# must be executed, not skipped.
if ! command -v g++ >/dev/null 2>&1 && ! command -v c++ >/dev/null 2>&1 &&
   ! command -v clang++ >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ci: installing g++ with apt-get (simulator tier)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends g++ >/dev/null || echo "ci: apt-get could not install g++"
    fi
fi
export CUFLOW_REQUIRE_SIM=1

ruff check .

# --- the README's test command (tests/interop skip here: no Keras in this venv) ---
python -m pytest -q

# --- the README's interop command: real Keras (on JAX, CPU) in a venv of its own ---
kvenv="$(dirname "$venv")/venv-keras"
python3 -m venv "$kvenv"
"$kvenv/bin/python" -m pip install --quiet ".[keras-interop]"
"$kvenv/bin/python" -m pytest -q tests/interop
