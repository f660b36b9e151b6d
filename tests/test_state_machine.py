"""The rendered state machine, executed on moto with the real export Lambda.

Each scenario asserts what an operator would see: the per-row statuses in report.csv, which
QuickSight users remain, the execution's status/error/cause, where the CSV ended up.
"""

from __future__ import annotations

import json

import pytest

from qsdeprov.embedded import EmbeddedAws, Fault

PREFIX = "AWSReservedSSO_QuickSightReader_0123abcd/"
BOM = "\ufeff"

# (email, role) of QuickSight users registered as PREFIX + email.
POPULATION = [
    ("r1@example.com", "READER"),
    ("r2@example.com", "READER"),
    ("dup@example.com", "READER"),
    ("admin@example.com", "ADMIN"),
    ("author@example.com", "AUTHOR"),
    ("keep@example.com", "READER"),
]
# Registered WITHOUT the prefix: a different identity, never matched by a row.
UNPREFIXED = [("r3@example.com", "READER")]

MIXED_CSV = BOM + "\r\n".join(
    [
        "name,email,dept",
        "R1,r1@example.com,A",  # row 1
        "",  # blank line: not a row
        "R2,r2@example.com,A",  # row 2
        "Gone,gone@example.com,B",  # row 3: deleted by hand already
        "Typo,r1@exampel.com,A",  # row 4: well-formed typo
        "Typo2,r2example.com,A",  # row 5: no @
        "Wide,ｒ１@example.com,A",  # row 6: full-width
        "Space, r2@example.com ,A",  # row 7: spaces
        "Admin,admin@example.com,IT",  # row 8
        "Author,author@example.com,IT",  # row 9
        "Dup,dup@example.com,C",  # row 10
        "Dup again,dup@example.com,C",  # row 11
        ",,",  # empty cells: not a row
        "Empty,,A",  # row 12
        "Other,r3@example.com,A",  # row 13
        "",
    ]
)

REAL_RUN_STATUSES = {
    "1": "DELETED",
    "2": "DELETED",
    "3": "NOT_FOUND",
    "4": "NOT_FOUND",
    "5": "INVALID_EMAIL",
    "6": "INVALID_EMAIL",
    "7": "INVALID_EMAIL",
    "8": "PROTECTED",
    "9": "PROTECTED",
    "12": "INVALID_EMAIL",
    "13": "NOT_FOUND",
}


def deploy_with_population(aws: EmbeddedAws, **variables: object) -> None:
    aws.deploy(user_name_prefix=PREFIX, **variables)
    aws.add_users([(PREFIX + email, email, role) for email, role in POPULATION])
    aws.add_users([(email, email, role) for email, role in UNPREFIXED])


def by_row(report: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["row"]: r for r in report}


def test_mixed_csv_deletes_exactly_the_listed_readers_and_reports_every_row(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.put_csv("input/2025-06.csv", MIXED_CSV)

    ex = aws.run({"csvKey": "input/2025-06.csv"}, name="june")

    assert ex.status == "SUCCEEDED", ex.cause
    rows = by_row(ex.report)
    assert [r["row"] for r in ex.report] == [str(i) for i in range(1, 14)]
    assert {k: rows[k]["status"] for k in REAL_RUN_STATUSES} == REAL_RUN_STATUSES
    # Duplicates: the user is deleted once; the other row finds it gone.
    assert sorted([rows["10"]["status"], rows["11"]["status"]]) == ["DELETED", "NOT_FOUND"]
    assert rows["11"]["detail"].startswith("duplicate of row 10")
    # Line numbers count the blank line and the header, for the operator.
    assert rows["2"]["line"] == "4"
    assert rows["6"]["detail"] == "full-width characters; suggested fix: r1@example.com"
    assert "spaces" in rows["7"]["detail"]
    assert rows["8"]["role"] == "ADMIN" and "not one of the deletable roles" in rows["8"]["detail"]
    assert rows["1"]["user_name"] == PREFIX + "r1@example.com"

    assert aws.users() == {
        PREFIX + "admin@example.com": "ADMIN",
        PREFIX + "author@example.com": "AUTHOR",
        PREFIX + "keep@example.com": "READER",
        "r3@example.com": "READER",
    }
    assert ex.output["counts"] == {
        "DELETED": 3,
        "WOULD_DELETE": 0,
        "NOT_FOUND": 4,
        "PROTECTED": 2,
        "INVALID_EMAIL": 4,
        "FAILED": 0,
    }
    assert ex.output["totalRows"] == 13 and ex.output["dryRun"] is False
    assert ex.output["executionArn"] == ex.arn and ex.output["csvKey"] == "input/2025-06.csv"
    assert ex.summary == ex.output
    # The CSV moved to processed/<execution>/ and the log table is gone.
    assert not aws.object_exists("input/2025-06.csv")
    assert aws.read_object("processed/june/input/2025-06.csv").decode("utf-8") == MIXED_CSV
    assert aws.tables() == []
    raw = aws.read_object("reports/june/report.csv")
    assert raw.startswith(BOM.encode("utf-8")) and b"\r\n" in raw
    assert raw.decode("utf-8-sig").splitlines()[0] == "row,line,email,user_name,status,role,error,detail"


def test_dry_run_deletes_nobody_keeps_the_csv_and_reports_would_delete(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.put_csv("input/2025-06.csv", MIXED_CSV)
    before = aws.users()

    ex = aws.run({"csvKey": "input/2025-06.csv", "dryRun": True}, name="june-dry")

    assert ex.status == "SUCCEEDED", ex.cause
    assert aws.users() == before
    rows = by_row(ex.report)
    expected = {k: ("WOULD_DELETE" if v == "DELETED" else v) for k, v in REAL_RUN_STATUSES.items()}
    assert {k: rows[k]["status"] for k in expected} == expected
    assert rows["10"]["status"] == rows["11"]["status"] == "WOULD_DELETE"
    assert ex.output["counts"]["WOULD_DELETE"] == 4 and ex.output["counts"]["DELETED"] == 0
    assert ex.output["dryRun"] is True
    assert aws.object_exists("input/2025-06.csv")
    assert not aws.object_exists("processed/june-dry/input/2025-06.csv")
    assert aws.tables() == []


@pytest.mark.parametrize(
    "execution_input",
    [
        {},
        {"csvKey": ""},
        {"csvKey": 42},
        {"csvKey": "elsewhere/users.csv"},
        {"csvKey": "input/users.csv", "dryRun": "yes"},
        "[]",
    ],
    ids=["no-csvKey", "empty-csvKey", "number-csvKey", "outside-input-prefix", "dryRun-not-boolean", "not-object"],
)
def test_bad_execution_input_fails_fast_and_touches_nothing(aws: EmbeddedAws, execution_input: object) -> None:
    deploy_with_population(aws)
    aws.put_csv("input/users.csv", "email\nr1@example.com\n")
    before = aws.users()

    ex = aws.run(execution_input)

    assert ex.status == "FAILED"
    assert ex.error == "InvalidInput"
    assert '{"csvKey": "input/users.csv", "dryRun": true}' in ex.cause
    assert aws.users() == before and aws.tables() == [] and aws.lambda_calls == []
    assert aws.object_exists("input/users.csv")


@pytest.mark.parametrize(
    ("key", "body", "error", "cause_part"),
    [
        ("input/missing.csv", None, "CsvNotFound", "does not exist"),
        ("input/no-email.csv", "name,mail\nTaro,t@example.com\n", "CsvNoEmailColumn", "no 'email' column"),
        ("input/empty.csv", "", "CsvEmpty", "empty"),
        ("input/bom-only.csv", BOM + "\r\n\r\n", "CsvEmpty", "empty"),
        ("input/sjis.csv", "email\n山田@example.com\n".encode("shift_jis"), "CsvNotUtf8", "CSV UTF-8"),
        ("input/名簿.csv", "email\nr1@example.com\n", "CsvKeyNotSupported", "rename the file"),
    ],
)
def test_unusable_csv_fails_with_a_clear_error_and_deletes_nobody(
    aws: EmbeddedAws, key: str, body: str | bytes | None, error: str, cause_part: str
) -> None:
    deploy_with_population(aws)
    if body is not None:
        aws.put_csv(key, body)
    before = aws.users()

    ex = aws.run({"csvKey": key})

    assert ex.status == "FAILED"
    assert ex.error == error
    assert cause_part in ex.cause and ex.cause.startswith("Nothing was changed.")
    assert aws.users() == before and aws.tables() == []
    if body is not None:
        assert aws.object_exists(key)


def test_header_only_csv_gives_a_clean_empty_report(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.put_csv("input/none.csv", BOM + "email\r\n")

    ex = aws.run({"csvKey": "input/none.csv", "dryRun": True}, name="empty")

    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.report == [] and ex.output["totalRows"] == 0
    assert set(ex.output["counts"].values()) == {0}
    assert len(aws.users()) == len(POPULATION) + len(UNPREFIXED)


def test_throttled_quicksight_calls_are_retried_until_every_row_is_right(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(
        Fault("quicksight", "describe_user", "ThrottlingException", first=4, status=429),
        Fault("quicksight", "delete_user", "ThrottlingException", first=3, status=429),
    )
    aws.put_csv("input/t.csv", "email\nr1@example.com\nr2@example.com\nadmin@example.com\ngone@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.statuses() == ["DELETED", "DELETED", "PROTECTED", "NOT_FOUND"]
    assert set(aws.users()) >= {PREFIX + "admin@example.com"}
    assert PREFIX + "r1@example.com" not in aws.users() and PREFIX + "r2@example.com" not in aws.users()
    assert len(aws.retry_waits) == 7
    # FULL jitter: each wait is somewhere in [0, the capped exponential delay].
    cap = aws.values["retry_max_delay_seconds"]
    assert all(0 <= w <= cap for w in aws.retry_waits)


def test_throttled_lambda_is_retried(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(Fault("lambda", "invoke", "TooManyRequestsException", first=2, status=429))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.statuses() == ["DELETED"]
    assert len(aws.retry_waits) == 2


def test_unexpected_quicksight_errors_are_recorded_per_row_without_stopping_the_run(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(
        Fault(
            "quicksight",
            "describe_user",
            "AccessDeniedException",
            first=1,
            status=403,
            message="not authorized to perform quicksight:DescribeUser",
        ),
    )
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "SUCCEEDED", ex.cause
    (row,) = ex.report
    assert row["status"] == "FAILED"
    assert row["error"] == "QuickSight.AccessDeniedException"
    assert "not authorized" in row["detail"]
    assert PREFIX + "r1@example.com" in aws.users()


def test_delete_failure_is_recorded_with_the_role_and_the_user_kept(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(Fault("quicksight", "delete_user", "InternalFailureException", rate=1.0, status=500))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    (row,) = ex.report
    assert (row["status"], row["role"], row["error"]) == ("FAILED", "READER", "QuickSight.InternalFailureException")
    assert len(aws.retry_waits) == aws.values["retry_max_attempts"]
    assert PREFIX + "r1@example.com" in aws.users()


def test_user_name_quicksight_rejects_becomes_invalid_email(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(Fault("quicksight", "describe_user", "InvalidParameterValueException", first=1))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    (row,) = ex.report
    assert (row["status"], row["error"]) == ("INVALID_EMAIL", "QuickSight.InvalidParameterValueException")
    assert PREFIX + "r1@example.com" in aws.users()


def test_embedded_quicksight_validates_user_names_like_aws(aws: EmbeddedAws) -> None:
    from botocore.exceptions import ClientError

    deploy_with_population(aws)
    with pytest.raises(ClientError) as err:
        aws.qs.describe_user(AwsAccountId=aws.account_id, Namespace="default", UserName="ｒ１@example.com")
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as err:
        aws.qs.delete_user(AwsAccountId=aws.account_id, Namespace="default", UserName="nobody@example.com")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_export_failure_keeps_the_table_and_the_csv_and_names_the_table(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.lambda_failure = lambda event: RuntimeError("disk full") if event["action"] == "export" else None
    aws.put_csv("input/t.csv", "email\nr1@example.com\ngone@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"}, name="broken-export")

    assert ex.status == "FAILED"
    assert ex.error == "ReportNotExported"
    table = "quicksight-deprovision-log-broken-export"
    assert f"The log table {table} was kept" in ex.cause and "disk full" in ex.cause
    assert aws.tables() == [table]
    items = aws.ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    assert sorted((i["row"]["N"], i["status"]["S"]) for i in items) == [("1", "DELETED"), ("2", "NOT_FOUND")]
    assert aws.object_exists("input/t.csv")
    assert not aws.object_exists("reports/broken-export/report.csv")


def test_table_still_in_use_is_retried_at_the_configured_interval_then_deleted(aws: EmbeddedAws) -> None:
    deploy_with_population(aws, table_delete_retry_interval_seconds=30)
    aws.plan.add(Fault("dynamodb", "delete_table", "ResourceInUseException", first=2))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "SUCCEEDED", ex.cause
    assert aws.retry_waits == [30, 30]
    assert aws.tables() == []


def test_table_that_cannot_be_deleted_fails_the_run_after_the_report_is_safe(aws: EmbeddedAws) -> None:
    deploy_with_population(aws, table_delete_max_attempts=2)
    aws.plan.add(Fault("dynamodb", "delete_table", "ResourceInUseException", rate=1.0))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"}, name="stuck")

    assert ex.status == "FAILED" and ex.error == "LogTableNotDeleted"
    assert "quicksight-deprovision-log-stuck could not be deleted" in ex.cause
    assert ex.statuses() == ["DELETED"]
    assert aws.object_exists("input/t.csv")


def test_new_table_is_polled_until_active(aws: EmbeddedAws) -> None:
    deploy_with_population(aws, table_poll_seconds=5)

    def creating(response: dict) -> dict:
        response["Table"]["TableStatus"] = "CREATING"
        return response

    aws.plan.add(Fault("dynamodb", "describe_table", first=3, transform=creating))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "SUCCEEDED", ex.cause
    assert aws.waits == [5, 5, 5]
    assert ex.statuses() == ["DELETED"]


def test_table_that_never_becomes_active_stops_before_any_deletion(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)

    def creating(response: dict) -> dict:
        response["Table"]["TableStatus"] = "CREATING"
        return response

    aws.plan.add(Fault("dynamodb", "describe_table", rate=1.0, transform=creating))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")
    before = aws.users()

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "FAILED" and ex.error == "LogTableNotReady"
    assert len(aws.waits) == 60
    assert aws.users() == before


def test_table_creation_failure_stops_before_any_deletion(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(
        Fault(
            "dynamodb",
            "create_table",
            "AccessDeniedException",
            first=1,
            message="not authorized to perform: dynamodb:CreateTable",
        )
    )
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")
    before = aws.users()

    ex = aws.run({"csvKey": "input/t.csv"}, name="no-table")

    assert ex.status == "FAILED" and ex.error == "LogTableNotCreated"
    assert "quicksight-deprovision-log-no-table could not be created" in ex.cause
    assert "not authorized to perform: dynamodb:CreateTable" in ex.cause
    assert aws.users() == before


def test_crashing_csv_check_function_fails_before_anything_changes(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.lambda_failure = lambda event: MemoryError("out of memory") if event["action"] == "prepare" else None
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "FAILED" and ex.error == "CsvCheckFailed"
    assert "out of memory" in ex.cause
    assert aws.tables() == [] and PREFIX + "r1@example.com" in aws.users()


def test_unreadable_target_list_fails_the_run_but_still_reports_every_row(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    # The Map's ItemReader cannot read the clean copy: no row is processed.
    aws.plan.add(Fault("s3", "get_object", "AccessDenied", rate=1.0, status=403))
    aws.put_csv("input/t.csv", "email\nr1@example.com\nr2@example.com\n")
    before = aws.users()

    ex = aws.run({"csvKey": "input/t.csv"}, name="no-items")

    assert ex.status == "FAILED" and ex.error == "RunFailed"
    assert "s3://quicksight-deprovision-local/reports/no-items/report.csv" in ex.cause
    assert ex.statuses() == ["FAILED", "FAILED"]
    assert {r["error"] for r in ex.report} == {"NotRecorded"}
    assert ex.summary["completed"] is False and ex.summary["notRecorded"] == 2
    assert aws.users() == before
    assert aws.object_exists("input/t.csv") and aws.tables() == []


def test_row_whose_result_cannot_be_recorded_is_still_in_the_report(aws: EmbeddedAws) -> None:
    deploy_with_population(aws, max_concurrency=1)
    aws.plan.add(Fault("dynamodb", "put_item", "ValidationException", first=1))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    (row,) = ex.report
    assert (row["status"], row["error"]) == ("FAILED", "NotRecorded")
    assert "Look the user up" in row["detail"]
    # ToleratedFailurePercentage 100: one row's failure does not stop the run.
    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["notRecorded"] == 1 and ex.output["counts"]["FAILED"] == 1


def test_archive_failure_keeps_the_csv_and_says_to_move_it(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(Fault("s3", "copy_object", "AccessDenied", rate=1.0, status=403))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"}, name="no-archive")

    assert ex.status == "FAILED" and ex.error == "CsvNotArchived"
    assert "could not be moved to processed/no-archive/input/t.csv" in ex.cause
    assert ex.statuses() == ["DELETED"]
    assert aws.object_exists("input/t.csv") and aws.tables() == []


def test_archive_delete_failure_keeps_the_original_csv(aws: EmbeddedAws) -> None:
    deploy_with_population(aws)
    aws.plan.add(Fault("s3", "delete_object", "AccessDenied", rate=1.0, status=403))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"}, name="no-delete")

    assert ex.status == "FAILED" and ex.error == "CsvNotArchived"
    assert aws.object_exists("input/t.csv") and aws.object_exists("processed/no-delete/input/t.csv")


def _subscribed_queue(aws: EmbeddedAws) -> tuple[str, str]:
    import boto3

    sns = boto3.client("sns", region_name=aws.region)
    sqs = boto3.client("sqs", region_name=aws.region)
    topic = sns.create_topic(Name="deprovision-done")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return topic, queue


def test_summary_is_published_to_the_sns_topic(aws: EmbeddedAws) -> None:
    import boto3

    topic, queue = _subscribed_queue(aws)
    deploy_with_population(aws, sns_topic_arn=topic)
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "SUCCEEDED", ex.cause
    messages = boto3.client("sqs", region_name=aws.region).receive_message(QueueUrl=queue)["Messages"]
    assert json.loads(messages[0]["Body"])["counts"]["DELETED"] == 1


def test_failed_notification_does_not_fail_a_finished_run(aws: EmbeddedAws) -> None:
    topic, _ = _subscribed_queue(aws)
    deploy_with_population(aws, sns_topic_arn=topic)
    aws.plan.add(Fault("sns", "publish", "AuthorizationErrorException", rate=1.0, status=403))
    aws.put_csv("input/t.csv", "email\nr1@example.com\n")

    ex = aws.run({"csvKey": "input/t.csv"})

    assert ex.status == "SUCCEEDED", ex.cause
    assert ex.output["counts"]["DELETED"] == 1
    assert ex.output["notificationError"]["Error"].startswith("SNS.")
