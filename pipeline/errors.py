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
