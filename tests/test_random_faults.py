"""Throttling and transient errors injected at random into every AWS call the state machine makes.

Two properties, each hypothesis-driven (scenario + fault seed + rates):

* faults the state machine retries (throttling, 5xx) never change the outcome: the run succeeds
  with exactly the statuses of a fault-free run, and every retry wait respects MaxDelaySeconds;
* any fault, retried or not (also with retries exhausted), ends either in a success with every
  row's status correct or FAILED with the AWS error, or in a clean failure per the brief: the
  CSV stays, the report (if written) is complete, the table is kept iff the report was not
  exported, the execution error names what to do, and nobody is deleted who should not be.

Faults are decided per call by a seeded random generator, but the Map's children run in
parallel: which call a fault hits may differ between runs of the same seed. The properties hold
for every interleaving.
"""

from __future__ import annotations

from hypothesis import event, given
from hypothesis import strategies as st

from qsdeprov.embedded import EmbeddedAws, Execution, Fault, FaultPlan
from tests.strategies import (
    DELETED,
    FAILED,
    NOT_FOUND,
    Scenario,
    expected_deleted,
    expected_statuses,
    in_report,
    scenarios,
    status_mismatches,
)

CSV_KEY = "input/targets.csv"
MAX_DELAY = 3

#: Error codes that every Retry of the service's tasks in the ASL lists, with their HTTP status.
RETRIED: dict[str, list[tuple[str, int]]] = {
    "quicksight": [
        ("ThrottlingException", 429),
        ("InternalFailureException", 500),
        ("ResourceUnavailableException", 503),
    ],
    "dynamodb": [("ThrottlingException", 400), ("InternalServerError", 500)],
    "lambda": [("TooManyRequestsException", 429), ("ServiceException", 500)],
    "s3": [("SlowDown", 503), ("InternalError", 500)],
}
#: Errors no Retry lists: they must surface as FAILED rows or as a clean execution failure.
NOT_RETRIED: dict[str, list[tuple[str, int]]] = {
    "quicksight": [("AccessDeniedException", 403)],
    "dynamodb": [("AccessDeniedException", 400), ("ProvisionedThroughputExceededException", 400)],
    "lambda": [("ResourceNotFoundException", 404)],
    "s3": [("AccessDenied", 403)],
}
#: Operations whose S3 calls have a Retry (the Map's ItemReader has none: tested below).
S3_RETRIED_OPERATIONS = ("copy_object", "delete_object")

#: Execution errors of the brief's failure path, each with a cause that says what to do next.
CLEAN_FAILURES = {
    "RunFailed": "start a new execution",
    "ReportNotExported": "Fix the cause",
    "LogTableNotDeleted": "Delete it in the DynamoDB console",
    "CsvNotArchived": "Move it by hand",
    "LogTableNotCreated": "start a new execution",
    "LogTableNotReady": "start a new execution",
}
#: Failures before anything was created (the CSV could not be prepared): nothing to clean up.
EARLY_FAILURE_HINT = "Nothing was changed."


def deploy(aws: EmbeddedAws, scn: Scenario, max_attempts: int) -> None:
    aws.deploy(
        user_name_prefix=scn.prefix,
        deletable_roles=list(scn.deletable_roles),
        max_concurrency=10,
        table_poll_seconds=1,
        retry_interval_seconds=1,
        retry_max_delay_seconds=MAX_DELAY,
        retry_max_attempts=max_attempts,
        table_delete_retry_interval_seconds=1,
    )
    for m in scn.members:
        aws.add_users([(m.name, m.email, m.role)], identity_type=m.identity_type)


@st.composite
def fault_plans(draw: st.DrawFn, codes: dict[str, list[tuple[str, int]]], s3_everywhere: bool) -> FaultPlan:
    plan = FaultPlan(seed=draw(st.integers(0, 2**32 - 1)))
    for service, choices in codes.items():
        rate = draw(st.sampled_from([0.0, 0.1, 0.3, 0.5]))
        if rate == 0.0:
            continue
        code, status = draw(st.sampled_from(choices))
        operations = ("*",) if service != "s3" or s3_everywhere else S3_RETRIED_OPERATIONS
        for op in operations:
            plan.add(Fault(service=service, operation=op, code=code, status=status, rate=rate))
    return plan


def use_plan(aws: EmbeddedAws, plan: FaultPlan) -> None:
    """Install ``plan`` after setup, so that only the execution's own calls see faults."""
    aws.plan.faults[:] = plan.faults
    aws.plan._random.seed(plan.seed)


def describe_plan(plan: FaultPlan) -> str:
    return ", ".join(f"{f.service}.{f.operation}:{f.code}@{f.rate} fired {f.fired}/{f.seen}" for f in plan.faults)


@given(scn=scenarios(max_rows=6), plan=fault_plans(RETRIED, s3_everywhere=False), dry_run=st.booleans())
def test_retried_throttling_and_transient_errors_do_not_change_any_row_status(
    scn: Scenario, plan: FaultPlan, dry_run: bool
) -> None:
    with EmbeddedAws() as aws:
        deploy(aws, scn, max_attempts=30)
        before = aws.users()
        aws.put_csv(CSV_KEY, scn.data)
        use_plan(aws, plan)
        ex = aws.run({"csvKey": CSV_KEY, "dryRun": dry_run}, name="run")
        where = describe_plan(aws.plan)
        event(f"faults fired: {'some' if any(f.fired for f in plan.faults) else 'none'}")

        assert ex.status == "SUCCEEDED", (ex.error, ex.cause, where)
        expected = expected_statuses(scn.rows, before, scn.prefix, scn.deletable_roles, dry_run)
        problems = status_mismatches(scn.rows, expected, ex.statuses())
        assert not problems, f"{where}: " + "; ".join(problems)
        deleted = set() if dry_run else expected_deleted(scn, before)
        assert set(before) - set(aws.users()) == deleted
        assert aws.tables() == []
        assert aws.object_exists(CSV_KEY) == dry_run
        assert all(0 <= w <= MAX_DELAY for w in aws.retry_waits), aws.retry_waits


def assert_nothing_wrong_deleted(
    ex: Execution, scn: Scenario, before: dict[str, str], after: dict[str, str], dry_run: bool
) -> None:
    gone = set(before) - set(after)
    assert gone <= (set() if dry_run else expected_deleted(scn, before)), f"wrongly deleted: {gone}"
    assert {n: r for n, r in after.items() if n in before} == {n: before[n] for n in after}
    if ex.report is None:
        return
    for row in ex.report:
        if row["status"] == DELETED:
            assert row["user_name"] not in after, f"row {row['row']} says DELETED but the user exists"
    # Every deleted user is accounted for: some row says DELETED, or says FAILED (not recorded).
    accounted = {r["user_name"] for r in ex.report if r["status"] in (DELETED, FAILED)}
    assert gone <= accounted, f"deleted without a DELETED/FAILED row: {gone - accounted}"


def assert_statuses_or_failed(ex: Execution, scn: Scenario, before: dict[str, str], dry_run: bool) -> None:
    """Each row has its fault-free status, or FAILED with an error name (not-recorded rows included)."""
    assert ex.report is not None
    actual = ex.statuses()
    expected = expected_statuses(scn.rows, before, scn.prefix, scn.deletable_roles, dry_run)
    failed = [i for i, s in enumerate(actual) if s == FAILED]
    for i in failed:
        assert ex.report[i]["error"], f"row {i + 1} FAILED without an error name"
    keep = [i for i in range(len(actual)) if i not in failed]
    # A duplicate of a deleted user may legitimately be NOT_FOUND when its twin was the one deleted
    # (or the twin's result was lost): accept NOT_FOUND for rows expected DELETED.
    for i in keep:
        if expected[i] == DELETED and actual[i] == NOT_FOUND:
            twins = [j for j, r in enumerate(scn.rows) if r.email == scn.rows[i].email and j != i]
            assert twins, f"row {i + 1} {scn.rows[i].email!r}: expected DELETED, got NOT_FOUND"
        else:
            assert actual[i] == expected[i], (
                f"row {i + 1} {scn.rows[i].email!r} ({scn.rows[i].kind}): expected {expected[i]}, got {actual[i]}"
            )


def assert_complete_report(ex: Execution, scn: Scenario) -> None:
    assert ex.report is not None and ex.summary is not None
    assert [r["row"] for r in ex.report] == [str(i + 1) for i in range(len(scn.rows))]
    assert [r["email"] for r in ex.report] == [in_report(r.email) for r in scn.rows]
    assert sum(ex.summary["counts"].values()) == ex.summary["totalRows"] == len(scn.rows)


@given(
    scn=scenarios(max_rows=6),
    plan=fault_plans({s: RETRIED[s] + NOT_RETRIED[s] for s in RETRIED}, s3_everywhere=True),
    max_attempts=st.sampled_from([1, 2, 4]),
    dry_run=st.booleans(),
)
def test_any_fault_ends_in_correct_statuses_or_a_clean_failure_that_loses_nothing(
    scn: Scenario, plan: FaultPlan, max_attempts: int, dry_run: bool
) -> None:
    with EmbeddedAws() as aws:
        deploy(aws, scn, max_attempts=max_attempts)
        before = aws.users()
        aws.put_csv(CSV_KEY, scn.data)
        use_plan(aws, plan)
        ex = aws.run({"csvKey": CSV_KEY, "dryRun": dry_run}, name="run")
        aws.plan.faults.clear()  # look at the result without faults
        after, tables = aws.users(), aws.tables()
        where = f"{ex.status} {ex.error}: {ex.cause} [{describe_plan(plan)}]"
        event(f"outcome: {ex.status} {ex.error or ''}".strip())
        event(f"faults fired: {'some' if any(f.fired for f in plan.faults) else 'none'}")

        assert_nothing_wrong_deleted(ex, scn, before, after, dry_run)
        if ex.status == "SUCCEEDED":
            assert_complete_report(ex, scn)
            assert_statuses_or_failed(ex, scn, before, dry_run)
            assert tables == [], where
            assert aws.object_exists(CSV_KEY) == dry_run, where
            return

        assert ex.status == "FAILED", where
        assert aws.object_exists(CSV_KEY), f"the CSV was moved by a failed run: {where}"
        assert ex.cause, where
        if ex.error in CLEAN_FAILURES:
            assert CLEAN_FAILURES[ex.error] in ex.cause, where
        else:
            # Only a failure before the table exists may use another error name (the CSV step).
            assert ex.cause.startswith(EARLY_FAILURE_HINT), where
            assert tables == [] and ex.report is None, where
            assert after == before, where
            return
        exported = ex.report is not None
        if exported:
            assert_complete_report(ex, scn)
            assert_statuses_or_failed(ex, scn, before, dry_run)
        table_kept = len(tables) == 1
        if ex.error in ("LogTableNotCreated", "LogTableNotReady"):
            assert after == before and not exported, where
        elif ex.error == "LogTableNotDeleted":
            assert exported and table_kept, where
        else:
            assert table_kept == (not exported), where


def test_log_table_status_that_cannot_be_read_fails_cleanly_and_says_what_to_do() -> None:
    with EmbeddedAws() as aws:
        aws.deploy(table_poll_seconds=1)
        aws.add_users([("a@example.com", "a@example.com", "READER")])
        aws.put_csv(CSV_KEY, "email\na@example.com\n")
        aws.plan.add(Fault(service="dynamodb", operation="describe_table", code="AccessDeniedException", first=100))
        ex = aws.run({"csvKey": CSV_KEY}, name="run")
        assert aws.users() == {"a@example.com": "READER"}
        assert aws.object_exists(CSV_KEY)
        assert ex.status == "FAILED"
        assert ex.error == "LogTableNotReady", (ex.error, ex.cause)
        assert "quicksight-deprovision-log-run" in (ex.cause or "") and "start a new execution" in (ex.cause or "")
