"""Every example runs end to end (few epochs) in a fresh interpreter."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = sorted((pathlib.Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    env = dict(os.environ, CUFLOW_EXAMPLE_EPOCHS="2", CUFLOW_DEVICE="cpu", CUFLOW_OFFLINE="1",
               CUFLOW_HOME=str(tmp_path), PYTHONWARNINGS="ignore::UserWarning")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
