"""Progress of an execution from its Map Run's item counts (the same numbers the console shows)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass(frozen=True)
class Counts:
    done: int  # items that finished (succeeded + failed + timed out + aborted)
    total: int
    running: int = 0
    failed: int = 0


def counts_from_item_counts(item_counts: dict[str, Any], expected_total: int = 0) -> Counts:
    """``describe_map_run``'s ``itemCounts`` as a progress count; the total grows while S3 is read."""
    done = sum(int(item_counts.get(k, 0)) for k in ("succeeded", "failed", "timedOut", "aborted"))
    total = max(int(item_counts.get("total", 0)), expected_total, done)
    failed = int(item_counts.get("failed", 0)) + int(item_counts.get("timedOut", 0))
    return Counts(done, total, int(item_counts.get("running", 0)), failed)


def bar(counts: Counts, width: int = 30) -> str:
    """``[#########.............]  300/900 (33%)``; an unknown total shows just the count."""
    if counts.total <= 0:
        return f"[{'.' * width}]  {counts.done} rows"
    filled = min(width, counts.done * width // counts.total)
    pct = counts.done * 100 // counts.total
    extra = f", {counts.failed} item executions failed" if counts.failed else ""
    return f"[{'#' * filled}{'.' * (width - filled)}]  {counts.done}/{counts.total} rows ({pct}%){extra}"


def map_run_counts(sfn: Any, execution_arn: str, expected_total: int = 0) -> Counts | None:
    """The Map Run's counts, or None while it has not started (or cannot be read: progress is best effort)."""
    try:
        runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
        if not runs:
            return None
        described = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
    except Exception:  # progress display must never stop the operator's run
        return None
    return counts_from_item_counts(described.get("itemCounts", {}), expected_total)


class Printer:
    """One self-rewriting line on a terminal; a line every ``every`` seconds otherwise (logs, CI)."""

    def __init__(self, stream: TextIO | None = None, every: float = 10.0) -> None:
        self.stream = stream or sys.stdout
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every, self._last, self._last_text, self._open = every, 0.0, "", False

    def show(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r" + text.ljust(len(self._last_text)))
            self._open = True
        elif text != self._last_text and (force or now - self._last >= self.every):
            self.stream.write(text + "\n")
            self._last = now
        else:
            return
        self._last_text = text
        self.stream.flush()

    def done(self, text: str = "") -> None:
        if self._open:
            self.stream.write("\n")
            self._open = False
        if text:
            self.stream.write(text + "\n")
        self.stream.flush()


def watch(
    sfn: Any,
    execution_arn: str,
    *,
    expected_total: int = 0,
    printer: Printer | None = None,
    poll_seconds: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Poll until the execution ends; show the Map's progress; return ``describe_execution``."""
    printer = printer or Printer()
    last = Counts(0, expected_total)
    while True:
        described = sfn.describe_execution(executionArn=execution_arn)
        counts = map_run_counts(sfn, execution_arn, expected_total) or last
        last = counts
        status = described["status"]
        if status in TERMINAL:
            printer.show(f"{bar(counts)}  {status}", force=True)
            printer.done()
            return described
        phase = "processing users" if counts.done or counts.running else "preparing"
        printer.show(f"{bar(counts)}  {phase}")
        sleep(poll_seconds)
