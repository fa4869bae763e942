"""Exit codes that mean one thing each, and a terminal that shows what is happening.

0 loaded, 1 failed validation, 2 bad input, 3 environment. The environment cases run the
real command in a subprocess against a real cause: a DuckDB file held open by another
process, a PREFECT_API_URL on a closed loopback port, a temporary server given no time
to start. The empty inbox runs the deployment's flow under the session's Prefect harness.
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLE_PDF
from pdf_factory import small_report
from pipeline.errors import EXIT_ENVIRONMENT, is_environment_problem
from pipeline.ingest.outcome import LoadSteps, Prepared, Targets, finish
from pipeline.ingest.record import ERROR, IngestOutcome, utcnow
from pipeline.load.duckdb_store import check_writable, lock_holder

REPO = Path(__file__).resolve().parents[1]

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
time.sleep(120)
"""


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "etk_report.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=300)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.fixture
def held_warehouse(tmp_path):
    """A warehouse file another process holds open read-only (an analyst's notebook)."""
    path = tmp_path / "wh" / "etk.duckdb"
    path.parent.mkdir()
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path), "ro"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    yield path, holder.pid
    holder.kill()
    holder.wait()


def test_a_locked_warehouse_is_exit_3_with_one_line_naming_file_and_holder(held_warehouse):
    path, pid = held_warehouse
    proc = _cli("ingest", str(SAMPLE_PDF), "--warehouse", str(path))
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(path) in lines[0] and "locked" in lines[0] and f"PID {pid}" in lines[0]
    assert proc.stdout == ""


def test_check_writable_gives_up_after_its_budget_and_passes_once_released(held_warehouse):
    from pipeline.errors import EnvironmentProblem

    path, pid = held_warehouse
    with pytest.raises(EnvironmentProblem, match=f"PID {pid}"):
        check_writable(path, wait_seconds=0.3)


def test_lock_holder_reads_duckdbs_message():
    message = ('IO Error: Could not set lock on file "/w/etk.duckdb": Conflicting lock is held in '
               '/usr/bin/python3.11 (PID 4242). See also https://duckdb.org/docs/current/connect/concurrency')
    assert lock_holder(message) == "PID 4242 (/usr/bin/python3.11)"
    assert lock_holder("IO Error: Could not set lock") is None


def test_an_unreachable_prefect_api_is_exit_3_with_one_line(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/api"
    proc = _cli("ingest", str(SAMPLE_PDF), "--warehouse", str(tmp_path / "etk.duckdb"),
                env={"PREFECT_API_URL": url})
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and "prefect server start" in lines[0], proc.stderr


def test_a_temporary_server_that_does_not_start_in_time_is_exit_3(tmp_path):
    """ETK_PREFECT_STARTUP_TIMEOUT=0 gives the temporary server no time at all: a real timeout."""
    proc = _cli("ingest", str(SAMPLE_PDF), "--warehouse", str(tmp_path / "etk.duckdb"),
                env={"ETK_PREFECT_STARTUP_TIMEOUT": "0", "PREFECT_HOME": str(tmp_path / "prefect")})
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "ETK_PREFECT_STARTUP_TIMEOUT" in lines[0] and "PREFECT_API_URL" in lines[0]


def test_environment_problems_are_recognised_by_errno_and_message():
    assert is_environment_problem(OSError(errno.ENOSPC, "No space left on device"))
    assert is_environment_problem(duckdb.IOException('Could not set lock on file "x": Conflicting lock'))
    assert is_environment_problem(ConnectionRefusedError())
    assert not is_environment_problem(ValueError("year 2021 in the 2022 report"))
    assert not is_environment_problem(OSError(errno.ENOENT, "No such file"))


def test_a_full_disk_during_the_load_is_exit_3_and_a_bad_load_is_not():
    """`finish` with a DuckDB load that raises: ENOSPC is the machine's fault, a ValueError is not."""
    def run(exc: BaseException) -> IngestOutcome:
        def load(*_):
            raise exc
        steps = LoadSteps(load_duckdb=load, load_postgres=load, log_duckdb=lambda *_: None,
                          log_postgres=lambda *_: None, export=lambda *_: "", artifacts=lambda *_: None)
        tables = type("T", (), {"row_counts": lambda self: {}, "unmapped_labels": []})()
        prepared = Prepared(pdf="r.pdf", file_name="r.pdf", started_at=utcnow(), report_year=2022, tables=tables,
                            validation={"passed": True, "critical_failures": 0})
        return finish(prepared, Targets(Path("w.duckdb")), steps)

    full = run(OSError(errno.ENOSPC, "No space left on device"))
    assert full.status == ERROR and full.exit_code == EXIT_ENVIRONMENT
    assert run(ValueError("bad table")).exit_code == 2


def test_version_and_help_list_the_exit_codes():
    version = _cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("etk-report ")
    for args in (["--help"], ["ingest", "--help"], ["validate", "--help"]):
        text = _cli(*args).stdout
        assert all(f"  {code}  " in text for code in "0123"), text
    assert "--out" not in _cli("validate", "--help").stdout


def test_progress_shows_each_stage_and_quiet_hides_it(tmp_path, monkeypatch, capsys):
    from etk_report.cli import main

    monkeypatch.setenv("ETK_PROGRESS", "1")  # stands in for a terminal
    assert main(["extract", str(SAMPLE_PDF), "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "extract ..." in err and "extract done in" in err
    assert main(["extract", str(SAMPLE_PDF), "--out", str(tmp_path / "b"), "-q"]) == 0
    quiet = capsys.readouterr().err.splitlines()
    assert quiet and all(line.startswith("warning:") for line in quiet)  # no progress; the warnings stay


def test_the_serve_inbox_is_created_at_start_up(tmp_path):
    from flows.serve import prepare_inbox

    inbox = prepare_inbox(tmp_path / "new" / "inbox")
    assert inbox.is_dir() and inbox.is_absolute()
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        prepare_inbox(tmp_path / "file")


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("make", ["empty", "missing"])
def test_an_empty_or_missing_inbox_ends_the_scheduled_run_completed(tmp_path, make):
    from flows.serve import NO_NEW_REPORT, ingest_newest

    inbox = tmp_path / "inbox"
    if make == "empty":
        inbox.mkdir()
    state = ingest_newest(str(inbox), warehouse=str(tmp_path / "etk.duckdb"), return_state=True)
    assert state.is_completed() and NO_NEW_REPORT in state.message
    assert not (tmp_path / "etk.duckdb").exists()  # nothing ran, nothing was created


@pytest.mark.usefixtures("prefect_harness")
def test_a_filled_inbox_still_loads_the_newest(tmp_path):
    from flows.serve import ingest_newest

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    small_report(inbox / "toimintakertomus-2021.pdf", year=2021)
    outcome = ingest_newest(str(inbox), warehouse=str(tmp_path / "etk.duckdb"))
    assert outcome.status == "loaded" and outcome.report_year == 2021


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_shows_its_stages_the_absolute_warehouse_and_unmapped_labels_on_request(tmp_path, monkeypatch,
                                                                                        capsys):
    from etk_report.cli import main

    monkeypatch.setenv("ETK_PROGRESS", "1")
    monkeypatch.chdir(tmp_path)
    assert main(["ingest", str(SAMPLE_PDF), "--warehouse", "wh/etk.duckdb"]) == 0
    out, err = capsys.readouterr()
    for stage in ("prefect", "extract", "validate", "load", "artifacts"):
        assert f"] {stage} done in " in err, err
    assert "flow run finished: loaded" in err
    assert f"into duckdb {tmp_path / 'wh' / 'etk.duckdb'}" in out and "a new warehouse file" in out
    assert "--show-unmapped" in out and "Vertaistukiryhmä" not in out
    assert "metric coverage: 100 mapped, 45 unit-specific, 8 unmapped of 153 figures" in out

    assert main(["ingest", str(SAMPLE_PDF), "--warehouse", "wh/etk.duckdb", "--show-unmapped", "-q"]) == 0
    out, err = capsys.readouterr()
    assert "Vertaistukiryhmä" in out and "a new warehouse file" not in out
    assert all(line.lstrip().startswith("warning:") for line in err.splitlines())  # -q: only the warnings


def test_a_full_disk_is_exit_3_with_one_line(tmp_path):
    """/dev/full answers every write with ENOSPC: a real full disk for the validation result."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    proc = _cli("validate", str(SAMPLE_PDF), "--json", "/dev/full", cwd=tmp_path)
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stderr
    # the error is one line; the lines before it are the report's warnings, one each (issue 20)
    errors = [line for line in proc.stderr.strip().splitlines() if not line.startswith("WARNING ")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "/dev/full" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_folder_command_on_an_empty_and_a_missing_folder(tmp_path, capsys):
    from etk_report.cli import main

    (tmp_path / "empty").mkdir()
    assert main(["ingest-folder", str(tmp_path / "empty"), "--warehouse", str(tmp_path / "etk.duckdb")]) == 0
    assert "no PDF report in" in capsys.readouterr().out
    assert main(["ingest-folder", str(tmp_path / "nowhere"), "--warehouse", str(tmp_path / "etk.duckdb")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_quiet_goes_before_or_after_the_command_and_usage_errors_are_2(tmp_path):
    """Issue 20: `etk-report -q extract ...` and `... -q` both work; a usage error is 2, as documented."""
    from pdf_factory import small_report

    pdf = small_report(tmp_path / "r.pdf", year=2021)
    for args in (["-q", "extract", str(pdf), "--out", str(tmp_path / "a")],
                 ["extract", str(pdf), "--out", str(tmp_path / "b"), "-q"]):
        proc = _cli(*args)
        assert proc.returncode == 0, proc.stderr
    unknown = _cli("extract", str(pdf), "--no-such-option")
    assert unknown.returncode == 2 and "usage" in unknown.stderr
    assert "usage error" in _cli("--help").stdout


@pytest.mark.parametrize("name, value", [("ETK_MAX_PAGES", "5k"), ("ETK_PAGE_SECONDS", "-1"),
                                         ("ETK_PREFECT_STARTUP_TIMEOUT", "soon"), ("ETK_PROGRESS", "yes")])
def test_a_bad_etk_setting_is_an_environment_error_naming_it(tmp_path, name, value):
    from pdf_factory import small_report

    pdf = small_report(tmp_path / "r.pdf", year=2021)
    proc = _cli("extract", str(pdf), "--out", str(tmp_path / "out"), env={name: value})
    assert proc.returncode == 3
    assert proc.stderr.strip().count("\n") == 0 and name in proc.stderr and "Traceback" not in proc.stderr


def test_a_quiet_ingest_prints_only_warning_lines_on_stderr(tmp_path):
    """A real process, with Prefect's own console logging: no library's INFO line reaches the terminal
    (Great Expectations' ephemeral context once said 'Created temporary directory ...')."""
    run = _cli("ingest", str(SAMPLE_PDF), "--warehouse", str(tmp_path / "etk.duckdb"), "-q")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert lines and all(line.startswith(("warning:", "note:")) for line in lines), run.stderr
