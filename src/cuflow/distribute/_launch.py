"""Starting ``mpirun`` from Python (the tests and the all-reduce benchmark do)."""

from __future__ import annotations

import os
import shutil
import subprocess


def mpi_missing_reason():
    """Why an MPI job cannot be started here, or None when it can."""
    try:
        import mpi4py  # noqa: F401  (the package only: MPI itself starts on mpi4py.MPI)
    except ImportError:
        return "mpi4py is not installed (pip install 'cuflow[mpi]')"
    if shutil.which("mpirun") is None:
        return "mpirun is not on PATH (Debian: apt-get install openmpi-bin libopenmpi-dev)"
    return None


def mpirun_argv(n):
    """``mpirun -n N`` plus what Open MPI needs on small CI machines: more ranks than cores
    (--oversubscribe). Root is allowed through the environment (see ``mpirun_env``)."""
    argv = [shutil.which("mpirun") or "mpirun", "-n", str(int(n))]
    try:
        version = subprocess.run([argv[0], "--version"], capture_output=True, text=True,
                                 timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        version = ""
    if "Open MPI" in version or "OpenRTE" in version:
        argv.append("--oversubscribe")
    return argv


def mpirun_env(extra_path=None):
    """The environment for the job: Open MPI refuses root unless told twice (CI containers
    run as root), and ``extra_path`` joins PYTHONPATH so ranks import this cuflow. Variables
    already set win."""
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    # containers often forbid the cross-process reads (CMA) Open MPI's shared-memory transport
    # tries first; copying through the shared segment always works
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    if extra_path:
        old = env.get("PYTHONPATH")
        env["PYTHONPATH"] = extra_path + (os.pathsep + old if old else "")
    return env
