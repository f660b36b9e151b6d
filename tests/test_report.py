"""Unit tests of the report the export Lambda writes."""

from __future__ import annotations

from quicksight_deprovision import report, statuses
from quicksight_deprovision.targets import Target

TARGETS = [
    Target(1, 2, "a@x.com", ""),
    Target(2, 3, "b@x.com", ""),
    Target(3, 4, "ｃ@x.com", "full-width characters; suggested fix: c@x.com"),
    Target(4, 5, "a@x.com", ""),
]


def rec(row: int, status: str, role: str = "READER", **extra: str) -> dict[str, str]:
    return {"row": str(row), "status": status, "role": role, "error": "", "detail": "", **extra}


def test_every_row_appears_in_csv_order_even_without_a_record() -> None:
    records = {1: rec(1, "DELETED", userName="p/a@x.com"), 3: rec(3, "INVALID_EMAIL", role=""), 4: rec(4, "NOT_FOUND")}
    rows = report.report_rows(TARGETS, records, "p/")
    assert [r["row"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["status"] for r in rows] == ["DELETED", "FAILED", "INVALID_EMAIL", "NOT_FOUND"]
    assert rows[1]["error"] == "NotRecorded" and rows[1]["user_name"] == "p/b@x.com"
    assert rows[0]["user_name"] == "p/a@x.com"
    assert rows[3]["detail"] == "duplicate of row 1"


def test_summary_counts_every_status_and_adds_up_to_the_rows() -> None:
    rows = report.report_rows(TARGETS, {1: rec(1, "DELETED"), 4: rec(4, "NOT_FOUND", detail="gone")})
    summary = report.summarize(rows, dryRun=False, csvKey="input/a.csv")
    assert list(summary["counts"]) == list(statuses.ALL)
    assert summary["counts"] == {
        "DELETED": 1,
        "WOULD_DELETE": 0,
        "NOT_FOUND": 1,
        "PROTECTED": 0,
        "INVALID_EMAIL": 0,
        "FAILED": 2,
    }
    assert sum(summary["counts"].values()) == summary["totalRows"] == 4
    assert summary["notRecorded"] == 2 and summary["duplicateRows"] == 1
    assert summary["csvKey"] == "input/a.csv"


def test_unknown_status_in_the_table_is_reported_as_failed() -> None:
    rows = report.report_rows(TARGETS[:1], {1: rec(1, "MAYBE", detail="x")})
    assert rows[0]["status"] == "FAILED" and "unexpected status 'MAYBE'" in rows[0]["detail"]


def test_report_csv_opens_in_excel_and_neutralises_formulas() -> None:
    rows = report.report_rows(
        [Target(1, 2, '=HYPERLINK("x")@x.com', "malformed address")], {1: rec(1, "INVALID_EMAIL", role="")}
    )
    data = report.report_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").split("\r\n")[0] == ",".join(report.REPORT_COLUMNS)
    back = report.parse_report_csv(data)
    assert back[0]["email"].startswith("'=HYPERLINK")


def test_dynamodb_items_are_flattened() -> None:
    item = {"row": {"N": "3"}, "email": {"S": "a@x.com"}, "status": {"S": "DELETED"}}
    assert report.item_to_record(item) == {"row": "3", "email": "a@x.com", "status": "DELETED"}
