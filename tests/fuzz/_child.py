"""Fuzz child process: runs one target's Hypothesis search and reports as JSON.

argv: target max_examples report.json current_case.txt
Before each case its repr goes to current_case.txt (flushed), so a parent that sees this
process crash or hang can name the case. Exit status 0: no bug; 1: a bug (in the report).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import traceback
import warnings

ALLOWED_NAMES = ("ValueError", "TypeError", "IndexError", "cuflow.OutOfMemoryError")
CASE_SECONDS = 20  # one case running longer than this is reported as a hang


class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so no ``except Exception`` in cuflow eats it."""


def _alarm(signum, frame):
    raise CaseTimeout(f"case ran longer than {CASE_SECONDS} s")


# Bugs found and reported but not fixed here (their fix belongs to another file's owner):
# counted and listed in the summary instead of failing the suite. Remove an entry once fixed.
KNOWN_ISSUES = {}  # bugs found and not yet fixed: (why, matcher) by key


def known_issue(exc, case):
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    for key, (_, match) in KNOWN_ISSUES.items():
        if match(exc, tb, case):
            return key
    return None


def classify(exc):
    """None when ``exc`` is an allowed outcome, else why it is a bug."""
    import cuflow

    allowed = (ValueError, TypeError, IndexError, cuflow.OutOfMemoryError)
    if isinstance(exc, MemoryError) and not isinstance(exc, cuflow.OutOfMemoryError):
        return f"a MemoryError that is not cuflow.OutOfMemoryError: {exc!r}"
    if not isinstance(exc, allowed):
        return f"{type(exc).__module__}.{type(exc).__name__} is not one of {ALLOWED_NAMES}"
    if not str(exc).strip():
        return f"{type(exc).__name__} with an empty message"
    return None


def main():
    target, max_examples, report, current = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        sys.argv[4]
    # a runaway allocation must fail here (and be reported), not take the machine down
    limit = 8 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    warnings.simplefilter("ignore")  # warnings are the regular suite's business; here: raises
    import numpy as np

    np.seterr(all="ignore")  # NaN / Inf inputs are part of the test
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    from hypothesis import HealthCheck, given, settings

    import cuflow
    from cuflow import memory
    from tests.fuzz import targets

    cuflow.set_device("cpu")
    memory.set_memory_limit(1 << 30)  # pre-allocation checks refuse more than 1 GiB here
    signal.signal(signal.SIGALRM, _alarm)
    stats = {"target": target, "cases": 0, "errors": 0, "ok": 0, "bug": None, "known": {}}

    @settings(max_examples=max_examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=False,
              report_multiple_bugs=False)
    @given(targets.CASES[target]())
    def search(case):
        text = repr(case)
        with open(current, "w") as f:
            f.write(text)
        stats["cases"] += 1
        thunk = targets.prepare(case)
        signal.alarm(CASE_SECONDS)
        try:
            thunk()
            stats["ok"] += 1
        except CaseTimeout:
            raise AssertionError(f"hang: {text}") from None
        except BaseException as e:  # noqa: B036 - classifying every outcome is the point
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            why = classify(e)
            known = known_issue(e, case) if why is not None else None
            if known is not None:
                stats["known"][known] = stats["known"].get(known, 0) + 1
                return
            if why is not None:
                tb = "".join(traceback.format_exception(type(e), e, e.__traceback__)[-6:])
                raise AssertionError(f"{why}\ncase: {text}\n{tb}") from None
            stats["errors"] += 1
        finally:
            signal.alarm(0)

    try:
        search()
        code = 0
    except Exception as e:  # the AssertionError above, or Hypothesis's own (Flaky ...)
        stats["bug"] = f"{type(e).__name__}: {e}"
        code = 1
    with open(report, "w") as f:
        json.dump(stats, f)
    sys.exit(code)


if __name__ == "__main__":
    main()
