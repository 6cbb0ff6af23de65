"""``cuflow info``, and the command's front door: --version, help, closed pipes."""

from __future__ import annotations

import os
import subprocess
import sys

import cuflow
from cuflow import cli

from ._run import cuflow as run


def test_info_reports_version_and_devices(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cuflow ") and "devices: cpu" in out


def test_info_says_why_auto_chose_the_device():
    res = run("info", env={"CUFLOW_DEVICE": "auto"})
    assert res.returncode == 0
    line = next(x for x in res.stdout.splitlines() if x.startswith("default device: "))
    assert line.startswith("default device: cpu (auto: ") or "(auto: CuPy sees" in line


def test_info_names_an_explicit_environment_choice():
    res = run("info", env={"CUFLOW_DEVICE": "cpu"})
    assert "default device: cpu (CUFLOW_DEVICE=cpu)" in res.stdout


def test_version_flag():
    res = run("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"cuflow {cuflow.__version__}"


def test_main_help_is_plain_text():
    res = run("--help")
    assert res.returncode == 0 and "``" not in res.stdout
    assert "cuflow train --dataset digits" in res.stdout and "CUFLOW_DEVICE" in res.stdout


def test_a_closed_pipe_ends_quietly():
    # `cuflow info | head -0`: the reader is gone before cuflow writes
    env = {**os.environ, "CUFLOW_DEVICE": "cpu"}
    with subprocess.Popen([sys.executable, "-m", "cuflow", "info"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env) as proc:
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err
