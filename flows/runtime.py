"""The Prefect side of a run that is not the report's business: which API, how long to wait for it,
and what a failure to reach it means for the user (exit code 3, one line). Imports no Prefect,
so the CLI can check and configure before the slow `import prefect`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

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


def startup_timeout() -> float:
    """Seconds a temporary server gets to come up ($ETK_PREFECT_STARTUP_TIMEOUT, default 120)."""
    return float(os.environ.get(STARTUP_TIMEOUT_ENV) or DEFAULT_STARTUP_TIMEOUT)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


class ApiServer(NamedTuple):
    url: str  # the API URL, to hand to PREFECT_API_URL
    pid: int  # the server process (a benchmark counts its CPU time)


@contextlib.contextmanager
def temporary_api_server(home: Path | None = None, timeout: float | None = None,
                         log: Path | None = None) -> Iterator[ApiServer]:
    """Start `prefect server start` (Prefect's documented command) on a free loopback port.

    Why not Prefect's own temporary server: processes of a pool or a Dask cluster each start one
    of their own unless they are handed a URL, and the class behind it is private API that a
    minor release may change. The server gets no UI and no services (nothing here schedules),
    `home` as its PREFECT_HOME if given, and carries the watchdog's mark (`flows.server_watch`)
    so a killed ingest takes it along. Stopped on exit; a start that fails is one line, exit 3.
    """
    timeout = startup_timeout() if timeout is None else timeout
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_SERVER_LEVEL="WARNING")
    env.pop("PREFECT_API_URL", None)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    sink = log.open("wb") if log else subprocess.DEVNULL
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
               "--no-ui", "--no-services"]
    proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None:
                raise EnvironmentProblem(f"the temporary Prefect server exited at start (code {proc.returncode}); "
                                         f"{START_A_SERVER}")
            if time.monotonic() > deadline:
                raise EnvironmentProblem(f"the temporary Prefect server did not start within {timeout:.0f} s; "
                                         f"{START_A_SERVER}, or allow longer with {STARTUP_TIMEOUT_ENV}=<seconds>")
            time.sleep(0.5)
        yield ApiServer(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            sink.close()
