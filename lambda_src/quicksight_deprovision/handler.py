"""AWS entry point: the only module that talks to AWS. Everything else is pure.

Two actions, both called by the state machine through ``lambda:invoke``:

* ``prepare``: read ``s3://bucket/csvKey``, check it, write the clean copy the Map reads.
  CSV problems are returned (not raised) so the execution fails with a precise error.
* ``export``: scan the log table, write ``report.csv`` and ``summary.json``, return the summary.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any
from urllib.parse import quote

import boto3
from botocore.exceptions import ClientError

from . import report, targets

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

# Keys the archive step can copy without URL-encoding surprises between SDKs.
_SAFE_KEY = re.compile(r"^[A-Za-z0-9!_.*'()/-]+$")


def _s3() -> Any:
    return boto3.client("s3")


def _dynamodb() -> Any:
    return boto3.client("dynamodb")


def _problem(code: str, message: str) -> dict[str, Any]:
    # Same keys as a success: the state machine's ResultSelector reads every one of them.
    return {
        "problem": {"Error": code, "Cause": message},
        "targetsKey": None,
        "rows": 0,
        "invalidRows": 0,
        "copySource": None,
    }


def read_object(bucket: str, key: str) -> bytes:
    try:
        return _s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            raise targets.CsvProblem(
                "CsvNotFound", f"s3://{bucket}/{key} does not exist. Upload the CSV and use its exact key."
            ) from exc
        if code in ("AccessDenied", "403"):
            raise targets.CsvProblem(
                "CsvNotReadable", f"s3://{bucket}/{key} cannot be read ({code}); is it under the input prefix?"
            ) from exc
        raise


def prepare(event: dict[str, Any]) -> dict[str, Any]:
    bucket, key, targets_key = event["bucket"], event["csvKey"], event["targetsKey"]
    if not _SAFE_KEY.match(key):
        return _problem(
            "CsvKeyNotSupported",
            f"The key {key!r} has characters other than letters, digits and !_.*'()/- ; rename the file "
            "(for example users-2025-06.csv) so that it can be archived safely.",
        )
    try:
        rows = targets.read_targets(read_object(bucket, key))
    except targets.CsvProblem as exc:
        return _problem(exc.code, exc.message)
    _s3().put_object(
        Bucket=bucket,
        Key=targets_key,
        Body=targets.targets_csv(rows).encode("utf-8"),
        ContentType="text/csv; charset=utf-8",
    )
    invalid = sum(1 for t in rows if t.problem)
    LOG.info(json.dumps({"action": "prepare", "csvKey": key, "rows": len(rows), "invalid": invalid}))
    return {
        "problem": None,
        "targetsKey": targets_key,
        "rows": len(rows),
        "invalidRows": invalid,
        "copySource": quote(f"{bucket}/{key}", safe="/!*'()"),
    }


def scan_records(table: str) -> dict[int, dict[str, str]]:
    """Every item of the log table (all pages, strongly consistent), keyed by row number."""
    records: dict[int, dict[str, str]] = {}
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    client = _dynamodb()
    while True:
        page = client.scan(**kwargs)
        for item in page.get("Items", []):
            rec = report.item_to_record(item)
            records[int(rec["row"])] = rec
        if "LastEvaluatedKey" not in page:
            return records
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def export(run: dict[str, Any], bucket: str) -> dict[str, Any]:
    prefix = run["reportPrefix"]
    rows_in = targets.load_targets_csv(read_object(bucket, run["targets"]["targetsKey"]).decode("utf-8"))
    rows = report.report_rows(rows_in, scan_records(run["tableName"]), run.get("userNamePrefix", ""))
    failure = run.get("failure")
    summary = report.summarize(
        rows,
        dryRun=run["dryRun"],
        csvKey=run["csvKey"],
        executionArn=run["executionArn"],
        executionName=run["executionName"],
        reportCsv=f"s3://{bucket}/{prefix}report.csv",
        summaryJson=f"s3://{bucket}/{prefix}summary.json",
        completed=failure is None,
        **({"failure": failure} if failure else {}),
    )
    s3 = _s3()
    s3.put_object(
        Bucket=bucket, Key=f"{prefix}report.csv", Body=report.report_csv(rows), ContentType="text/csv; charset=utf-8"
    )
    s3.put_object(
        Bucket=bucket,
        Key=f"{prefix}summary.json",
        Body=json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8"),
        ContentType="application/json",
    )
    LOG.info(json.dumps({"action": "export", **{k: summary[k] for k in ("counts", "totalRows", "notRecorded")}}))
    return summary


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    action = event.get("action")
    if action == "prepare":
        return prepare(event)
    if action == "export":
        return export(event["run"], event["bucket"])
    raise ValueError(f"unknown action {action!r}: expected 'prepare' or 'export'")
