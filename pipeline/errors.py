"""Errors a user can act on, each with the exit code the CLI ends with."""

from __future__ import annotations

EXIT_OK = 0
EXIT_VALIDATION_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3


class ReportError(Exception):
    """Bad input: the message is one line naming the file and what is wrong."""

    exit_code = EXIT_BAD_INPUT


class NotAReport(ReportError):
    """A readable PDF that holds no statistics pages."""


class EnvironmentProblem(Exception):
    """Not the input's fault: a locked warehouse, an unreachable Prefect API, a full disk.

    The message is one line naming what is wrong and what to do about it.
    """

    exit_code = EXIT_ENVIRONMENT


_DISK_ERRNOS = {28, 122}  # ENOSPC, EDQUOT
_ENVIRONMENT_WORDS = ("no space left on device", "disk quota exceeded", "could not set lock on file",
                      "conflicting lock", "read-only file system")


def is_environment_problem(exc: BaseException) -> bool:
    """Whether `exc` is the machine's fault (lock, disk, network), not the report's.

    Why by errno and message rather than by class: DuckDB, psycopg and httpx each
    have their own classes, and this module must not import any of them.
    """
    if isinstance(exc, EnvironmentProblem):
        return True
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    text = str(exc).casefold()
    return any(word in text for word in _ENVIRONMENT_WORDS)
