"""The temporary Prefect server must not outlive the ingest that started it, even after `kill -9`.

Prefect starts a temporary API server (a uvicorn child process) when no PREFECT_API_URL is
set, and stops it at interpreter exit. A killed ingest never reaches that exit, so the server
was adopted by PID 1 and ran on. So before the flow runs, the ingest marks its environment
(`ETK_SERVER_OWNER=<its PID>`, which the server inherits) and starts a small watchdog process.
The watchdog waits for its parent (the ingest) to go, however it goes, then stops every
Prefect server process carrying that mark, and exits. There is no window: a server started
a moment before the kill carries the mark as well. After a normal end Prefect has already
stopped the server and the watchdog finds nothing to do.

Run as `python -m flows.server_watch PARENT_PID`; nothing else uses that form.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

OWNER_VAR = "ETK_SERVER_OWNER"
# Prefect's own temporary server (uvicorn on prefect.server.api.server) and `prefect server start`
SERVER_MARKS = (b"prefect.server.api.server", b"prefect\0server\0start")
POLL_SECONDS = 0.25


def guard_temporary_server() -> subprocess.Popen | None:
    """If Prefect will start a temporary server (no PREFECT_API_URL), start its watchdog first."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    os.environ[OWNER_VAR] = str(os.getpid())
    return subprocess.Popen([sys.executable, "-m", "flows.server_watch", str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=str(Path(__file__).resolve().parents[1]), start_new_session=True)


def marked_servers(owner: int) -> list[int]:
    """PIDs of Prefect server processes whose environment says `owner` started them."""
    mark = f"{OWNER_VAR}={owner}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if not any(m in (entry / "cmdline").read_bytes() for m in SERVER_MARKS):
                continue
            if mark in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _stop(pids: list[int], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL for whatever still runs after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 1.0)):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in pids):
            time.sleep(0.1)
        pids = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
        if not pids:
            return


def watch(parent: int) -> None:
    """Wait until `parent` is gone, then stop the servers it left behind."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):  # outlive whatever ends the ingest
        signal.signal(sig, signal.SIG_IGN)
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    _stop(marked_servers(parent))


if __name__ == "__main__":
    watch(int(sys.argv[1]))
