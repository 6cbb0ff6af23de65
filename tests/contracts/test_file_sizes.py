"""No source file over 500 lines: a file that long holds more than one purpose."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 500


def _too_long(folder, pattern):
    out = []
    for path in sorted((ROOT / folder).rglob(pattern)):
        if "__pycache__" in path.parts:
            continue
        n = len(path.read_text().splitlines())
        if n > LIMIT:
            out.append(f"{path.relative_to(ROOT)}: {n} lines")
    return out


def test_no_source_file_over_500_lines():
    assert _too_long("src", "*.py") == []


def test_no_kernel_file_over_500_lines():
    assert _too_long("kernels", "*.cu*") == []


def test_no_test_file_over_500_lines():
    assert _too_long("tests", "*.py") + _too_long("benchmarks", "*.py") == []
