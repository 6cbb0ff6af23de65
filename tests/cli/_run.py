"""Run the real ``cuflow`` command in a subprocess (``python -m cuflow``)."""

from __future__ import annotations

import os
import subprocess
import sys


def cuflow(*args, env=None, timeout=300, **kwargs):
    full_env = dict(os.environ, **(env or {}))
    full_env.setdefault("CUFLOW_DEVICE", "cpu")
    return subprocess.run([sys.executable, "-m", "cuflow", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, **kwargs)
