"""How the ``cuflow`` command fails: one line naming the command and what went wrong."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with what the user asked for (a path, a suffix, a file's content), found
    before or instead of doing the work; reported as ``cuflow <command>: <message>``, exit 2."""
