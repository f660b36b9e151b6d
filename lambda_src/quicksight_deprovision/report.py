"""Build the run report from the recorded results: pure functions, no AWS."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from . import statuses
from .targets import Target, duplicates

REPORT_COLUMNS = ("row", "line", "email", "user_name", "status", "role", "error", "detail")
NOT_RECORDED_ERROR = "NotRecorded"
NOT_RECORDED_DETAIL = (
    "No result was recorded for this row: the run stopped before it, or writing its result failed. "
    "Look the user up in QuickSight, or run the CSV again."
)
# Cells starting with these are formulas to Excel; report.csv prefixes them with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def item_to_record(item: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """A DynamoDB item in wire format ({"S": ...}/{"N": ...}) as a flat dict of strings."""
    return {name: next(iter(value.values())) for name, value in item.items()}


def report_rows(
    targets: list[Target], records: Mapping[int, Mapping[str, str]], user_name_prefix: str = ""
) -> list[dict[str, str]]:
    """Exactly one report row per CSV data row, in CSV order.

    A row without a record is FAILED (``NotRecorded``): no row is ever silently lost.
    """
    dup = duplicates(targets)
    rows: list[dict[str, str]] = []
    for t in targets:
        rec = records.get(t.row)
        if rec is None:
            row = {
                "user_name": user_name_prefix + t.email,
                "status": statuses.FAILED,
                "role": "",
                "error": NOT_RECORDED_ERROR,
                "detail": NOT_RECORDED_DETAIL,
            }
        else:
            row = {k: rec.get(k, "") for k in ("status", "role", "error", "detail")}
            row["user_name"] = rec.get("userName", user_name_prefix + t.email)
            if row["status"] not in statuses.ALL:
                row["detail"] = f"unexpected status {row['status']!r}; {row['detail']}".strip("; ")
                row["status"] = statuses.FAILED
        if t.row in dup:
            note = f"duplicate of row {dup[t.row]}"
            row["detail"] = f"{note}; {row['detail']}" if row["detail"] else note
        rows.append({"row": str(t.row), "line": str(t.line), "email": t.email, **row})
    return rows


def summarize(rows: Iterable[Mapping[str, str]], **context: Any) -> dict[str, Any]:
    """Counts per status (every status present, zeros included) plus the run's context."""
    counts = dict.fromkeys(statuses.ALL, 0)
    total = not_recorded = dups = 0
    for r in rows:
        total += 1
        counts[r["status"]] += 1
        not_recorded += r["error"] == NOT_RECORDED_ERROR
        dups += r["detail"].startswith("duplicate of row")
    return {"counts": counts, "totalRows": total, "notRecorded": not_recorded, "duplicateRows": dups, **context}


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def report_csv(rows: Iterable[Mapping[str, str]]) -> bytes:
    """report.csv as UTF-8 with BOM and CRLF, so that Excel opens it with the right encoding."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for r in rows:
        writer.writerow([_safe_cell(r[c]) for c in REPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def parse_report_csv(data: bytes) -> list[dict[str, str]]:
    """Read a report.csv back (used by tests and the operator CLI)."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
