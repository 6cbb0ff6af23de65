"""Every public module has a test file at the mirrored path: the tests of
``src/cuflow/a/b.py`` live in ``tests/a/test_b.py`` (``src/cuflow/x.py``: ``tests/test_x.py``)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "cuflow"

# Public modules with no tests of their own, each with its reason.
EXEMPT = {
    "__main__.py": "two lines that call cli.main (tested in tests/test_cli.py)",
}


def public_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if path.name == "__init__.py" or any(p.startswith("_") for p in rel.parts):
            continue
        yield rel


def mirrored_test(rel: Path) -> Path:
    return ROOT / "tests" / rel.parent / f"test_{rel.name}"


def test_every_public_module_has_a_mirrored_test_file():
    missing = [f"src/cuflow/{rel} -> {mirrored_test(rel).relative_to(ROOT)}"
               for rel in public_modules()
               if str(rel) not in EXEMPT and not mirrored_test(rel).exists()]
    assert missing == [], "modules without tests at the mirrored path:\n" + "\n".join(missing)


def test_exemptions_are_still_needed():
    stale = [m for m in EXEMPT
             if not (PACKAGE / m).exists() or mirrored_test(Path(m)).exists()]
    assert stale == []


def test_test_folders_are_packages():
    missing = [str(d.relative_to(ROOT)) for d in sorted((ROOT / "tests").rglob("*"))
               if d.is_dir() and d.name != "__pycache__" and any(d.glob("test_*.py"))
               and not (d / "__init__.py").exists()]
    assert missing == []
