"""Scale runs on the embedded moto backend: wall time of a whole execution and the export Lambda's
time and peak memory, written to docs/scale.md.

    .venv/bin/python scripts/scale_report.py               # 1,000 and 10,000 rows, prints a table
    .venv/bin/python scripts/scale_report.py --write       # ... and rewrites docs/scale.md

How the Lambda is measured: the harness runs the real handler in-process. This script wraps
``quicksight_deprovision.handler.handler`` for the duration of the run: each invocation the state
machine makes is timed as it happens (no tracing), then the same event is handled a second time
under ``tracemalloc`` for the peak of Python allocations. Both actions are idempotent (the second
call rewrites identical files), so the run's result does not change. The peak includes moto's
in-process DynamoDB/S3 work for the handler's calls, so it is an upper bound of the handler's own
allocations; a real Lambda adds its runtime and boto3 (tens of MB) on top.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scale.md"
CSV_KEY = "input/scale.csv"
ROLES = ("READER", "AUTHOR", "ADMIN")


@dataclass
class Invocation:
    action: str
    seconds: float
    peak_mib: float


@dataclass
class ScaleResult:
    rows: int
    users: int
    max_concurrency: int
    status: str
    seconds: float
    cpu_seconds: float
    report_rows: int
    counts: dict[str, int]
    expected_counts: dict[str, int]
    rows_in_order: bool
    tables_left: list[str]
    report_bytes: int
    invocations: list[Invocation] = field(default_factory=list)

    def invocation(self, action: str) -> Invocation:
        return next(i for i in self.invocations if i.action == action)


def address(i: int) -> str:
    return f"user{i:05d}@example.com"


def population(rows: int) -> list[tuple[str, str, str]]:
    """Every other listed address is a QuickSight user; roles cycle READER, AUTHOR, ADMIN."""
    return [(address(i), address(i), ROLES[(i // 2) % 3]) for i in range(0, rows, 2)]


def target_emails(rows: int) -> list[str]:
    """``rows`` addresses: 1 in 100 has a full-width letter, 1 in 100 repeats the row before."""
    out: list[str] = []
    for i in range(rows):
        if i % 100 == 37:
            out.append("\uff55" + address(i)[1:])  # full-width u
        elif i % 100 == 73:
            out.append(out[-1])
        else:
            out.append(address(i))
    return out


def expected_counts(emails: list[str], users: dict[str, str]) -> dict[str, int]:
    """The real run's counts, worked out from the construction (READER is the deletable role)."""
    counts: Counter[str] = Counter()
    deleted: set[str] = set()
    for e in emails:
        if not e.isascii():
            counts["INVALID_EMAIL"] += 1
        elif e not in users or e in deleted:
            counts["NOT_FOUND"] += 1
        elif users[e] != "READER":
            counts["PROTECTED"] += 1
        else:
            counts["DELETED"] += 1
            deleted.add(e)
    return {s: counts[s] for s in ("DELETED", "WOULD_DELETE", "NOT_FOUND", "PROTECTED", "INVALID_EMAIL", "FAILED")}


@contextmanager
def measured_lambda(invocations: list[Invocation], overhead: list[float]) -> Iterator[None]:
    """Time every handler invocation, and measure its peak memory on an identical second call
    (whose duration is added to ``overhead``, to be taken off the run's time)."""
    from quicksight_deprovision import handler as module

    original: Callable[[dict[str, Any], Any], Any] = module.handler

    def handler(event: dict[str, Any], context: Any = None) -> Any:
        start = time.perf_counter()
        result = original(event, context)
        seconds = time.perf_counter() - start
        tracemalloc.start()
        try:
            original(event, context)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            overhead.append(time.perf_counter() - start - seconds)
        invocations.append(Invocation(str(event.get("action")), round(seconds, 2), round(peak / 2**20, 1)))
        return result

    module.handler = handler
    try:
        yield
    finally:
        module.handler = original


def measure(rows: int, max_concurrency: int = 50, timeout: float = 1800) -> ScaleResult:
    from qsdeprov.embedded import EmbeddedAws

    emails = target_emails(rows)
    users = population(rows)
    invocations: list[Invocation] = []
    overhead: list[float] = []
    with EmbeddedAws() as aws:
        aws.deploy(max_concurrency=max_concurrency, table_poll_seconds=1)
        aws.add_users(users)
        aws.put_csv(CSV_KEY, "\ufeffemail,name\r\n" + "".join(f"{e},n{i}\r\n" for i, e in enumerate(emails)))
        with measured_lambda(invocations, overhead):
            start, cpu = time.perf_counter(), time.process_time()
            ex = aws.run({"csvKey": CSV_KEY, "dryRun": False}, name=f"scale-{rows}", timeout=timeout)
            # Without the second, traced Lambda calls (the measurement, not the run).
            seconds = time.perf_counter() - start - sum(overhead)
            cpu_seconds = time.process_time() - cpu - sum(overhead)
        report = ex.report or []
        report_key = f"reports/scale-{rows}/report.csv"
        return ScaleResult(
            rows=rows,
            users=len(users),
            max_concurrency=max_concurrency,
            status=ex.status,
            seconds=round(seconds, 1),
            cpu_seconds=round(cpu_seconds, 1),
            report_rows=len(report),
            counts=(ex.summary or {}).get("counts", {}),
            expected_counts=expected_counts(emails, {u[0]: u[2] for u in users}),
            rows_in_order=[r["row"] for r in report] == [str(i + 1) for i in range(rows)]
            and [r["email"] for r in report] == emails,
            tables_left=aws.tables(),
            report_bytes=len(aws.read_object(report_key)) if aws.object_exists(report_key) else 0,
            invocations=invocations,
        )


def markdown(results: list[ScaleResult], command: str) -> str:
    import boto3
    import moto

    lines = [
        "# Scale on the embedded backend",
        "",
        f"Generated by `{command}` (`scripts/scale_report.py`); `tests/test_scale.py` runs the",
        "10,000-row case in `make test` (marked `slow`) and checks the same facts.",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, moto {moto.__version__}, "
        f"boto3 {boto3.__version__}. The whole execution runs in one process on moto's Step Functions",
        "interpreter (the Map's child executions are threads), so the times measure the interpreter,",
        "not AWS: on AWS the run is bounded by QuickSight's API rate and `max_concurrency` (see",
        "docs/throughput.md). The population: every other listed address is a user, roles cycle",
        "READER/AUTHOR/ADMIN; 1 row in 100 has a full-width letter, 1 in 100 repeats the row before.",
        "",
        "| rows | users | MaxConcurrency | status | run (s) | CPU (s) | report rows | complete, in order "
        "| tables left | prepare (s) | export (s) | export peak (MiB) | report.csv (KiB) |",
        "|---:|---:|---:|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        complete = r.report_rows == r.rows and r.rows_in_order and r.counts == r.expected_counts
        lines.append(
            f"| {r.rows:,} | {r.users:,} | {r.max_concurrency} | {r.status} | {r.seconds} | {r.cpu_seconds} | "
            f"{r.report_rows:,} | {'yes' if complete else 'NO'} | {len(r.tables_left)} | "
            f"{r.invocation('prepare').seconds} | {r.invocation('export').seconds} | "
            f"{r.invocation('export').peak_mib} | {r.report_bytes // 1024:,} |"
        )
    lines += [
        "",
        "Export Lambda: `export (s)` is the in-process handler call during the run (scan of the log",
        "table, report.csv and summary.json written to S3); `export peak` is the peak of Python",
        "allocations (tracemalloc) of an identical second call, including moto's in-process work for",
        "the handler's DynamoDB and S3 calls, so an upper bound of the handler's own memory. The",
        "module's defaults are 512 MB and 300 s for the export function.",
        "",
        "Counts of the largest run: " + json.dumps(results[-1].counts) + ".",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--max-concurrency", type=int, default=50)
    parser.add_argument("--write", action="store_true", help=f"rewrite {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    results = []
    for rows in args.rows:
        result = measure(rows, args.max_concurrency)
        print(json.dumps(asdict(result) | {"counts": result.counts}), flush=True)
        results.append(result)
    command = "python scripts/scale_report.py --write"
    if args.rows != [1000, 10000] or args.max_concurrency != 50:
        command = (
            f"python scripts/scale_report.py --rows {' '.join(map(str, args.rows))} "
            f"--max-concurrency {args.max_concurrency} --write"
        )
    text = markdown(results, command)
    if args.write:
        DOC.write_text(text, encoding="utf-8")
    print(text)
    ok = all(r.status == "SUCCEEDED" and r.report_rows == r.rows and r.counts == r.expected_counts for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
