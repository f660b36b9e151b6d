"""``make demo``: the real state machine and export Lambda on an embedded (moto) AWS.

Seeds a QuickSight population, writes a target CSV with the usual mistakes (or uses your own
files), then runs exactly what ``qsdeprov run`` does against AWS: upload, start, progress from
the Map Run, report. Nothing leaves this machine.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from . import aws_ops, population, progress
from .embedded import EmbeddedAws

#: Fast on 2 cores and below the module's default (10); the demo is about results, not throughput.
DEMO_MAX_CONCURRENCY = 10


@dataclass
class DemoResult:
    exit_code: int
    summary: dict[str, Any] | None
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    roles_before: Counter[str] = field(default_factory=Counter)
    roles_after: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


@contextlib.contextmanager
def quiet_moto() -> Iterator[None]:
    """moto's Step Functions interpreter logs every caught error at ERROR level: keep the demo readable."""
    logger = logging.getLogger("moto.stepfunctions")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(old)


def default_out_dir(now: datetime | None = None) -> Path:
    return Path("out") / f"demo-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"


def prepare_files(
    out_dir: Path,
    population_file: Path | None,
    targets_file: Path | None,
    *,
    readers: int,
    authors: int,
    admins: int,
    rows: int,
    seed: int,
    user_name_prefix: str,
) -> tuple[list[population.User], Path, dict[str, Path]]:
    files: dict[str, Path] = {}
    if population_file is not None:
        users = population.read_population(population_file.read_text(encoding="utf-8-sig"))
        files["population"] = population_file
    else:
        users = population.generate_population(readers, authors, admins, seed, user_name_prefix)
        files["population"] = population.write_text(out_dir / "population.csv", population.population_csv(users))
    if targets_file is not None:
        files["targets"] = targets_file
    else:
        target_rows = population.generate_targets(users, rows, seed)
        files["targets"] = population.write_text(
            out_dir / "targets.csv", population.targets_file_bytes(target_rows, seed)
        )
    return users, files["targets"], files


def run_demo(
    *,
    population_file: Path | None = None,
    targets_file: Path | None = None,
    dry_run: bool = False,
    out_dir: Path | None = None,
    readers: int = 2200,
    authors: int = 16,
    admins: int = 10,
    rows: int = 900,
    seed: int = 20250501,
    user_name_prefix: str = "",
    max_concurrency: int = DEMO_MAX_CONCURRENCY,
    stream: TextIO = sys.stdout,
    poll_seconds: float = 0.5,
) -> DemoResult:
    started = time.monotonic()
    out_dir = out_dir or default_out_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    users, targets_path, files = prepare_files(
        out_dir,
        population_file,
        targets_file,
        readers=readers,
        authors=authors,
        admins=admins,
        rows=rows,
        seed=seed,
        user_name_prefix=user_name_prefix,
    )
    w = stream.write
    with quiet_moto(), EmbeddedAws() as aws:
        aws.deploy(max_concurrency=max_concurrency, table_poll_seconds=1, user_name_prefix=user_name_prefix)
        aws.add_users([(u.user_name, u.email, u.role) for u in users])
        before = Counter(aws.users().values())
        w(
            f"Embedded AWS (moto): state machine {aws.state_machine_arn.rsplit(':', 1)[-1]}, bucket {aws.bucket}\n"
            f"QuickSight users seeded: {_roles(before)}\n"
        )
        deployment = aws_ops.Deployment(state_machine_arn=aws.state_machine_arn, bucket=aws.bucket)
        code, summary = aws_ops.run_file(
            deployment,
            targets_path,
            dry_run=dry_run,
            out_dir=out_dir,
            stream=stream,
            printer=progress.Printer(stream, every=5.0),
            poll_seconds=poll_seconds,
        )
        after = Counter(aws.users().values())
    files.update({"report": out_dir / "report.csv", "summary": out_dir / "summary.json"})
    seconds = time.monotonic() - started
    w(f"QuickSight users after the run: {_roles(after)}\n")
    w("Files:\n" + "".join(f"  {k:<11} {p}\n" for k, p in files.items()))
    w(f"Demo finished in {seconds:.1f} s.\n")
    return DemoResult(code, summary, out_dir, files, before, after, seconds)


def _roles(counts: Counter[str]) -> str:
    parts = ", ".join(f"{counts[r]} {r.title()}s" for r in sorted(counts, key=lambda r: -counts[r]))
    return f"{sum(counts.values())} ({parts})"


def capture(**kwargs: Any) -> tuple[DemoResult, str]:
    """Run the demo and return its printed output too (for tests)."""
    buf = io.StringIO()
    return run_demo(stream=buf, **kwargs), buf.getvalue()
