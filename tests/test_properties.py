"""Invariants under random populations and random CSVs, on moto with the real ASL and Lambda.

Each example deploys the rendered state machine, registers a random QuickSight population and
runs one random CSV three times: a dry run, a real run, and the same CSV again. Expectations
come from ``tests/strategies.py`` (an oracle independent of the report module).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given

from qsdeprov.embedded import EmbeddedAws, Execution
from tests.strategies import (
    NOT_FOUND,
    STATUSES,
    Scenario,
    counts,
    expected_deleted,
    expected_statuses,
    in_report,
    scenarios,
    status_mismatches,
)

CSV_KEY = "input/targets.csv"


def deploy(aws: EmbeddedAws, scn: Scenario) -> None:
    aws.deploy(
        user_name_prefix=scn.prefix,
        deletable_roles=list(scn.deletable_roles),
        max_concurrency=10,
        table_poll_seconds=1,
    )
    for m in scn.members:
        aws.add_users([(m.name, m.email, m.role)], identity_type=m.identity_type)


def assert_complete_report(ex: Execution, scn: Scenario) -> None:
    """One report row per CSV data row, in CSV order; the counts add up; output == summary."""
    assert ex.report is not None and ex.summary is not None, f"{ex.name}: no report ({ex.error}: {ex.cause})"
    assert [r["row"] for r in ex.report] == [str(i + 1) for i in range(len(scn.rows))]
    assert [r["email"] for r in ex.report] == [in_report(r.email) for r in scn.rows]
    assert [r["line"] for r in ex.report] == [str(n) for n in scn.lines]
    assert [r["user_name"] for r in ex.report] == [in_report(scn.prefix + r.email) for r in scn.rows]
    assert set(ex.summary["counts"]) == set(STATUSES)
    assert sum(ex.summary["counts"].values()) == ex.summary["totalRows"] == len(scn.rows)
    assert ex.output is not None and ex.output["counts"] == ex.summary["counts"]


def assert_statuses(ex: Execution, scn: Scenario, population: dict[str, str], dry_run: bool) -> None:
    expected = expected_statuses(scn.rows, population, scn.prefix, scn.deletable_roles, dry_run)
    problems = status_mismatches(scn.rows, expected, ex.statuses())
    assert not problems, f"{ex.name}: " + "; ".join(problems)
    assert ex.summary is not None
    if len(set(scn.rows)) == len(scn.rows):  # without duplicates the counts are the oracle's exactly
        assert ex.summary["counts"] == counts(expected)


def real_input(scn: Scenario, explicit: bool) -> dict[str, Any]:
    return {"csvKey": CSV_KEY, "dryRun": False} if explicit else {"csvKey": CSV_KEY}


@given(scn=scenarios())
def test_runs_delete_exactly_the_listed_deletable_users_and_report_every_row(scn: Scenario) -> None:
    with EmbeddedAws() as aws:
        deploy(aws, scn)
        before = aws.users()
        assert before == scn.population()
        aws.put_csv(CSV_KEY, scn.data)

        # A dry run deletes nobody, leaves the CSV and the table is gone.
        dry = aws.run({"csvKey": CSV_KEY, "dryRun": True}, name="dry")
        assert dry.status == "SUCCEEDED", (dry.error, dry.cause)
        assert aws.users() == before
        assert aws.object_exists(CSV_KEY)
        assert aws.tables() == []
        assert_complete_report(dry, scn)
        assert_statuses(dry, scn, before, dry_run=True)

        # The real run deletes exactly the listed deletable users; nobody else is touched.
        real = aws.run(real_input(scn, explicit=len(scn.rows) % 2 == 0), name="real")
        assert real.status == "SUCCEEDED", (real.error, real.cause)
        deleted = expected_deleted(scn, before)
        after = aws.users()
        assert set(before) - set(after) == deleted
        assert after == {name: role for name, role in before.items() if name not in deleted}
        assert aws.tables() == []
        assert not aws.object_exists(CSV_KEY)
        assert aws.object_exists(f"processed/real/{CSV_KEY}")
        assert_complete_report(real, scn)
        assert_statuses(real, scn, before, dry_run=False)

        # The same CSV again deletes nobody more; the first run's deletions are NOT_FOUND now.
        aws.put_csv(CSV_KEY, scn.data)
        again = aws.run({"csvKey": CSV_KEY}, name="again")
        assert again.status == "SUCCEEDED", (again.error, again.cause)
        assert aws.users() == after
        assert aws.tables() == []
        assert_complete_report(again, scn)
        assert_statuses(again, scn, after, dry_run=False)
        first_deleted = [i for i, s in enumerate(real.statuses()) if s == "DELETED"]
        assert [again.statuses()[i] for i in first_deleted] == [NOT_FOUND] * len(first_deleted)
