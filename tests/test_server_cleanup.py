"""`kill -9` of an ingest must not leave its temporary Prefect server running (flows/server_watch.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.runtime import temporary_api_server
from flows.server_watch import SERVER_MARKS, marked_servers

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "toimintakertomus-2022.pdf"

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("command", ["ingest", "ingest-folder"])
def test_the_temporary_server_dies_with_a_killed_ingest(tmp_path, command):
    """`ingest` gets Prefect's own temporary server; `ingest-folder` starts `prefect server start` for its
    workers. Either must go with a killed ingest."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # no API: a temporary server
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    target = SAMPLE
    if command == "ingest-folder":
        target = tmp_path / "inbox"
        target.mkdir()
        (target / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    ingest = subprocess.Popen([sys.executable, "-m", "etk_report.cli", command, str(target),
                               "--warehouse", str(tmp_path / "etk.duckdb")], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: marked_servers(ingest.pid) or ingest.poll() is not None, 180)
        servers = marked_servers(ingest.pid)
        assert servers and ingest.poll() is None, "the ingest ended before its server could be seen"
        ingest.send_signal(signal.SIGKILL)
        ingest.wait()
        assert _wait_for(lambda: not marked_servers(ingest.pid), 30), f"server(s) {servers} outlived the ingest"
        assert not any(Path(f"/proc/{pid}").exists() and any(m in Path(f"/proc/{pid}/cmdline").read_bytes()
                                                              for m in SERVER_MARKS) for pid in servers)
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait()
        for pid in marked_servers(ingest.pid):  # never leave a server behind, even if the test failed
            os.kill(pid, signal.SIGKILL)


def test_a_temporary_api_server_answers_and_is_stopped(tmp_path):
    """The folder flow's server: Prefect's documented `prefect server start`, healthy while used, gone after."""
    import urllib.request

    with temporary_api_server(home=tmp_path / "home", timeout=180) as server:
        with urllib.request.urlopen(f"{server.url}/health", timeout=10) as response:
            assert response.status == 200
        assert Path(f"/proc/{server.pid}").exists()
    assert _wait_for(lambda: not Path(f"/proc/{server.pid}").exists()
                     or b"zombie" in Path(f"/proc/{server.pid}/status").read_bytes().lower(), 30)
