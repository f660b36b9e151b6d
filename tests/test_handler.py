"""The export Lambda's handler against moto's S3 and DynamoDB (no state machine)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from quicksight_deprovision import handler

from qsdeprov.embedded import EmbeddedAws

BUCKET = "quicksight-deprovision-local"


def prepare(aws: EmbeddedAws, key: str) -> dict[str, Any]:
    return handler.handler(
        {"action": "prepare", "bucket": BUCKET, "csvKey": key, "targetsKey": "reports/x/targets.csv"}
    )


def test_prepare_writes_one_line_per_data_row_and_an_encoded_copy_source(aws: EmbeddedAws) -> None:
    aws.put_csv("input/june(1).csv", "\ufeffemail\r\na@x.com\r\n\r\nｂ@x.com\r\n")
    out = prepare(aws, "input/june(1).csv")
    assert out["problem"] is None and out["rows"] == 2 and out["invalidRows"] == 1
    assert out["copySource"] == f"{BUCKET}/input/june(1).csv"
    lines = aws.read_object("reports/x/targets.csv").decode().splitlines()
    assert lines[0] == "row,line,email,problem"
    assert lines[1] == "1,2,a@x.com," and lines[2].startswith("2,4,ｂ@x.com,full-width")


def test_prepare_reports_a_missing_object_as_a_problem_not_an_exception(aws: EmbeddedAws) -> None:
    out = prepare(aws, "input/nope.csv")
    assert out["problem"]["Error"] == "CsvNotFound" and out["targetsKey"] is None
    assert not aws.object_exists("reports/x/targets.csv")


def test_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        handler.handler({"action": "delete-everything"})


class _PagedDynamoDB:
    """Returns the table in pages, as DynamoDB does past 1 MB."""

    def __init__(self, items: list[dict[str, Any]], page: int) -> None:
        self.items, self.page, self.calls = items, page, []

    def scan(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        start = int(kwargs.get("ExclusiveStartKey", {}).get("row", {}).get("N", 0))
        chunk = self.items[start : start + self.page]
        out: dict[str, Any] = {"Items": chunk}
        if start + self.page < len(self.items):
            out["LastEvaluatedKey"] = {"row": {"N": str(start + self.page)}}
        return out


def test_export_reads_every_page_of_the_table(aws: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 250
    aws.put_csv(
        "reports/r/targets.csv",
        "row,line,email,problem\n" + "".join(f"{i},{i + 1},u{i}@x.com,\n" for i in range(1, n + 1)),
    )
    items = [
        {
            "row": {"N": str(i)},
            "email": {"S": f"u{i}@x.com"},
            "userName": {"S": f"u{i}@x.com"},
            "status": {"S": "DELETED"},
            "role": {"S": "READER"},
            "error": {"S": ""},
            "detail": {"S": ""},
        }
        for i in range(1, n + 1)
    ]
    fake = _PagedDynamoDB(items, page=100)
    monkeypatch.setattr(handler, "_dynamodb", lambda: fake)
    run = {
        "reportPrefix": "reports/r/",
        "targets": {"targetsKey": "reports/r/targets.csv"},
        "tableName": "t",
        "dryRun": False,
        "csvKey": "input/a.csv",
        "executionArn": "arn:x",
        "executionName": "r",
    }

    summary = handler.handler({"action": "export", "bucket": BUCKET, "run": run})

    assert len(fake.calls) == 3 and all(c["ConsistentRead"] for c in fake.calls)
    assert summary["counts"]["DELETED"] == n and summary["notRecorded"] == 0
    assert json.loads(aws.read_object("reports/r/summary.json")) == summary
