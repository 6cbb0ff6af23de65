"""``cuflow bench``: the step table, its checks, the --fit table, the harness's home."""

from __future__ import annotations

import json

import pytest

from cuflow import cli


def test_bench_prints_the_step_table_and_saves_json(capsys, tmp_path):
    path = tmp_path / "bench.json"
    assert cli.main(["bench", "--device", "cpu", "--models", "mlp_small", "--steps", "1",
                     "--warmup", "0", "--no-torch", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "mlp_small          cuflow eager" in out
    assert "skipped: CUDA graphs need a GPU" in out
    header = next(line for line in out.splitlines() if "steps/s" in line)
    assert "spread" in header
    data = json.loads(path.read_text())
    assert data["device"]["cuflow"] == "cpu"
    assert [r["variant"] for r in data["rows"]] == ["cuflow eager", "cuflow captured"]


def test_bench_rejects_an_unknown_model_naming_it_and_the_valid_ones(capsys):
    assert cli.main(["bench", "--device", "cpu", "--models", "mlp_small,vgg99"]) == 2
    err = capsys.readouterr().err
    assert "'vgg99'" in err and "mlp_small" in err and "cnn_b64" in err and "mlp_large" in err


@pytest.mark.parametrize("argv", [["--steps", "0"], ["--warmup", "-1"], ["--rounds", "x"]])
def test_bench_rejects_bad_counts(argv, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["bench", *argv])
    assert info.value.code == 2
    assert repr(argv[1]) in capsys.readouterr().err


def test_bench_fit_mode_keeps_the_mlp_fit_table(monkeypatch, capsys, tmp_path):
    harness = cli.bench_harness()
    calls = []

    def fake_table(device, batch, min_time):
        calls.append((device, batch, min_time))
        return [("cuflow fit", 1000.0, 1.0), ("hand-written NumPy step", 1000.0, 1.0)]

    monkeypatch.setattr(harness, "mlp_table", fake_table)
    path = tmp_path / "fit.json"
    assert cli.main(["bench", "--fit", "--device", "cpu", "--batch-size", "64",
                     "--min-time", "0.5", "--json", str(path)]) == 0
    assert calls == [("cpu", 64, 0.5)]
    out = capsys.readouterr().out
    assert "MLP 784-256-128-10, Adam, batch 64, on cpu" in out and "cuflow fit" in out
    assert json.loads(path.read_text())["rows"][0]["what"] == "cuflow fit"


def test_bench_help_lists_the_cases_from_the_harness(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["bench", "--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "mlp_small, mlp_large_f32, mlp_large_tf32" in out and "cnn, all" in out


def test_the_bench_harness_lives_outside_the_package():
    harness = cli.bench_harness()
    # a source checkout: benchmarks/harness/ next to src/ (the wheel ships cuflow._benchmarks)
    assert harness.__name__ in ("benchmarks.harness", "cuflow._benchmarks")
    assert callable(harness.step_benchmark) and callable(harness.mlp_table)
