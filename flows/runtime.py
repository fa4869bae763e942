"""The Prefect side of a run that is not the report's business: which API, how long to wait for it,
and what a failure to reach it means for the user (exit code 3, one line). Imports no Prefect,
so the CLI can check and configure before the slow `import prefect`.
"""

from __future__ import annotations

import os

from pipeline.errors import EnvironmentProblem

STARTUP_TIMEOUT_ENV = "ETK_PREFECT_STARTUP_TIMEOUT"
DEFAULT_STARTUP_TIMEOUT = 120  # seconds; Prefect's own default (20) is too short on a busy 2-core machine
API_CHECK_TIMEOUT = 5.0
START_A_SERVER = ("start one with `prefect server start` and "
                  "`export PREFECT_API_URL=http://127.0.0.1:4200/api`")


def configure_prefect_env() -> None:
    """Settings Prefect reads when it is imported: call before the first `import prefect`.

    The temporary server gets $ETK_PREFECT_STARTUP_TIMEOUT seconds to start (unless
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS is set), no telemetry (no internet here),
    and only warnings in its log.
    """
    from pipeline.settings_env import read_number

    timeout = str(read_number(STARTUP_TIMEOUT_ENV, DEFAULT_STARTUP_TIMEOUT, int))  # a bad value: exit 3
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", timeout)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING")


def api_url() -> str | None:
    return os.environ.get("PREFECT_API_URL") or None


def check_api(url: str | None = None, timeout: float = API_CHECK_TIMEOUT) -> None:
    """Raise EnvironmentProblem unless the configured Prefect API answers its health check.

    Why up front: otherwise the run fails after extraction, deep in Prefect, with a traceback.
    Nothing to check when no URL is set (a temporary server is started instead).
    """
    url = url or api_url()
    if not url:
        return
    import httpx

    try:
        response = httpx.get(f"{url.rstrip('/')}/health", timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise EnvironmentProblem(f"the Prefect API at PREFECT_API_URL={url} is not reachable "
                                 f"({type(exc).__name__}); {START_A_SERVER}, or unset PREFECT_API_URL "
                                 f"to use a temporary server") from None


def prefect_problem(exc: BaseException) -> EnvironmentProblem | None:
    """The one-line environment problem behind an exception Prefect raised, else None."""
    text = str(exc)
    if "ephemeral Prefect API server" in text or "temporary server" in text:
        waited = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "?")
        return EnvironmentProblem(f"the temporary Prefect server did not start within {waited} s; "
                                  f"{START_A_SERVER}, or allow longer with {STARTUP_TIMEOUT_ENV}=<seconds>")
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"ConnectError", "ConnectTimeout", "ReadTimeout", "PoolTimeout", "RemoteProtocolError",
                "ConnectionError", "TimeoutError"}:
        where = api_url() or "the temporary server"
        return EnvironmentProblem(f"the Prefect API ({where}) stopped answering ({type(exc).__name__}); "
                                  f"{START_A_SERVER}")
    return None
