"""Stage-by-stage progress lines for a person at a terminal: 'extract ...', 'extract done 0.6 s'.

Why its own object: stages run in different layers (CLI, flow, tasks) and each
reports through the one `Progress` it is handed; a disabled one prints nothing,
so the same code runs quiet under tests, pipes and `-q`.
"""

from __future__ import annotations

import contextlib
import copy
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO


class Progress:
    """Prints when a stage starts and ends, with its time, to `stream` (stderr by default)."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self.started_at = time.monotonic()
        self._open: dict[str, float] = {}
        self.log: Callable[[str], None] | None = None  # also hand each line here (a flow run's logger)

    @property
    def active(self) -> bool:
        """Whether a line goes anywhere: worth wrapping steps as stages."""
        return self.enabled or self.log is not None

    def logging_to(self, log: Callable[[str], None]) -> Progress:
        """This progress (same stages, same clock, same terminal) that also hands each line to `log`.

        Why: the Prefect UI shows a flow run's log; the stage lines belong there too, whether
        or not a terminal is watching.
        """
        twin = copy.copy(self)  # shares the open stages with self: a stage started outside ends inside
        twin.log = log
        return twin

    def start(self, stage: str, note: str = "") -> None:
        self._open[stage] = time.monotonic()
        self._print(f"{stage} ..." + (f" {note}" if note else ""))

    def done(self, stage: str, note: str = "") -> None:
        """End `stage` (no-op when it was not started, so callers need not track it)."""
        began = self._open.pop(stage, None)
        if began is not None:
            self._print(f"{stage} done in {time.monotonic() - began:.1f} s" + (f" ({note})" if note else ""))

    def failed(self, stage: str) -> None:
        began = self._open.pop(stage, None)
        if began is not None:
            self._print(f"{stage} stopped after {time.monotonic() - began:.1f} s")

    def note(self, text: str) -> None:
        """A line with no stage: a milestone such as 'finished'."""
        self._print(text)

    @contextlib.contextmanager
    def stage(self, name: str, note: str = "") -> Iterator[None]:
        self.start(name, note)
        try:
            yield
        except BaseException:
            self.failed(name)
            raise
        self.done(name)

    def _print(self, text: str) -> None:
        if self.log is not None:
            self.log(text)
        if self.enabled:
            stream = self.stream or sys.stderr
            print(f"[{time.monotonic() - self.started_at:6.1f} s] {text}", file=stream, flush=True)


SILENT = Progress(enabled=False)


def for_terminal(quiet: bool, stream: TextIO | None = None) -> Progress:
    """Progress on when the stream is a terminal (or $ETK_PROGRESS=1) and not `quiet`."""
    import os

    stream = stream or sys.stderr
    wanted = os.environ.get("ETK_PROGRESS", "") == "1" or bool(getattr(stream, "isatty", lambda: False)())
    return Progress(enabled=wanted and not quiet, stream=stream)
