"""Fuzz-suite reporting: each fuzz test records its case counts here and pytest's terminal
summary prints them, with or without ``-s``."""

from __future__ import annotations

RESULTS = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not RESULTS:
        return
    terminalreporter.section("cuflow fuzz")
    total = 0
    for r in RESULTS:
        cases = r.get("cases") or 0
        total += cases
        terminalreporter.write_line(f"{r['target']:>8}: {cases} cases ({r.get('ok', 0)} valid "
                                    f"results, {r.get('errors', 0)} clean errors)"
                                    + ("  BUG" if r.get("bug") else ""))
        for key, n in (r.get("known") or {}).items():
            terminalreporter.write_line(f"          known issue {key}: {n} case(s)")
    terminalreporter.write_line(f"fuzz cases run: {total}")
