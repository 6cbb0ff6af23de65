"""Run a fuzz target in a child process with a timeout: a crash (signal, abort) or a hang in
C code, which no in-process handler survives, is reported with the case that was running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _env():
    import cuflow

    src = os.path.dirname(os.path.dirname(cuflow.__file__))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               CUFLOW_DEVICE="cpu")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_target(target, max_examples, timeout):
    """Returns the child's stats dict; ``stats['bug']`` is None when nothing was found."""
    with tempfile.TemporaryDirectory(prefix="cuflow-fuzz-") as tmp:
        report, current = os.path.join(tmp, "report.json"), os.path.join(tmp, "case.txt")
        cmd = [sys.executable, os.path.join(HERE, "_child.py"), target, str(max_examples),
               report, current]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env=_env())
        except subprocess.TimeoutExpired:
            return {"target": target, "cases": None, "bug": f"hang: the child ran past "
                    f"{timeout} s; last case: {_read(current)}"}
        if os.path.exists(report):
            with open(report) as f:
                return json.load(f)
        return {"target": target, "cases": None,
                "bug": f"crash: exit status {proc.returncode}; last case: {_read(current)}\n"
                       f"stderr tail: {proc.stderr[-3000:]}"}


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return "(none started)"
