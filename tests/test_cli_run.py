"""`qsdeprov run` and `qsdeprov report` against the embedded AWS (boto3 clients made by the CLI hit moto)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from qsdeprov import aws_ops, cli, progress
from qsdeprov.embedded import EmbeddedAws

USERS = [
    ("taro.yamada@co-op.example", "taro.yamada@co-op.example", "READER"),
    ("hanako.sato@co-op.example", "hanako.sato@co-op.example", "READER"),
    ("boss@co-op.example", "boss@co-op.example", "ADMIN"),
]
CSV = "email\ntaro.yamada@co-op.example\nhanako.sato@co-op.example\nboss@co-op.example\ngone@co-op.example\n"


@pytest.fixture
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        embedded.deploy(table_poll_seconds=1, max_concurrency=5)
        embedded.add_users(USERS)
        yield embedded


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    watch = progress.watch
    monkeypatch.setattr(progress, "watch", lambda *a, **k: watch(*a, **{**k, "poll_seconds": 0.05}))


def cli_main(aws: EmbeddedAws, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main([*args, "--state-machine-arn", aws.state_machine_arn or "", "--bucket", aws.bucket], out=out)
    return code, out.getvalue()


def targets_file(tmp_path: Path, text: str = CSV) -> Path:
    path = tmp_path / "June users.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_dry_run_prints_would_delete_counts_and_deletes_nobody(aws: EmbeddedAws, tmp_path: Path) -> None:
    code, output = cli_main(aws, "run", str(targets_file(tmp_path)), "--dry-run", "--name", "june-dry")
    assert code == 0, output
    assert "DRY RUN: nothing was deleted." in output
    assert "WOULD_DELETE       2" in output and "PROTECTED          1" in output and "NOT_FOUND          1" in output
    assert "4/4 rows (100%)" in output  # progress from the Map Run's item counts
    assert set(aws.users()) == {u[0] for u in USERS}
    assert aws.object_exists("input/june-dry.csv")  # a dry run leaves the CSV where it was


def test_real_run_deletes_readers_archives_the_csv_and_saves_the_report(aws: EmbeddedAws, tmp_path: Path) -> None:
    out_dir = tmp_path / "reports"
    code, output = cli_main(aws, "run", str(targets_file(tmp_path)), "--name", "june", "--out", str(out_dir))
    assert code == 0, output
    assert "DELETED            2" in output
    assert aws.users() == {"boss@co-op.example": "ADMIN"}
    assert aws.object_exists("processed/june/input/june.csv") and not aws.object_exists("input/june.csv")
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["counts"]["DELETED"] == 2 and summary["executionName"] == "june"
    assert (out_dir / "report.csv").read_bytes().startswith(b"\xef\xbb\xbfrow,line,email")


def test_default_execution_name_comes_from_the_file_name(aws: EmbeddedAws, tmp_path: Path) -> None:
    code, output = cli_main(aws, "run", str(targets_file(tmp_path)), "--dry-run")
    assert code == 0
    assert "Started DRY RUN June-users-" in output and output.count("-dryrun") >= 1


def test_report_shows_a_past_run_by_name(aws: EmbeddedAws, tmp_path: Path) -> None:
    cli_main(aws, "run", str(targets_file(tmp_path)), "--name", "june")
    code, output = cli_main(aws, "report", "june")
    assert code == 0
    assert "Execution june: SUCCEEDED" in output and "DELETED            2" in output
    assert "line     4  PROTECTED     'boss@co-op.example'" in output


def test_report_of_an_unknown_execution_lists_recent_ones(aws: EmbeddedAws, tmp_path: Path) -> None:
    cli_main(aws, "run", str(targets_file(tmp_path)), "--name", "june", "--dry-run")
    code, output = cli_main(aws, "report", "july")
    assert code == 2
    assert "No such execution" in output and "june  SUCCEEDED" in output


def test_a_failed_execution_shows_its_error_and_exits_1(aws: EmbeddedAws, tmp_path: Path) -> None:
    code, output = cli_main(aws, "run", str(targets_file(tmp_path, "name\nTaro\n")), "--name", "bad")
    # The CLI refuses locally: the same rule the state machine applies.
    assert code == 1 and "CsvNoEmailColumn" in output
    aws.put_csv("input/bad.csv", "name\nTaro\n")
    aws.run({"csvKey": "input/bad.csv"}, name="bad")
    code, output = cli_main(aws, "report", "bad")
    assert code == 1
    assert "Execution bad: FAILED" in output and "Error: CsvNoEmailColumn" in output
    assert "No report was written" in output


def test_ctrl_c_while_running_explains_that_the_execution_continues(
    aws: EmbeddedAws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(progress, "watch", interrupted)
    code, output = cli_main(aws, "run", str(targets_file(tmp_path)), "--name", "june")
    assert code == 130
    assert "keeps running in AWS" in output
    assert "qsdeprov report june --wait" in output
    assert "aws stepfunctions stop-execution --execution-arn arn:aws:states:" in output
    assert "#/v2/executions/details/arn%3Aaws%3Astates" in output
    aws.wait(aws.state_machine_arn.replace(":stateMachine:", ":execution:") + ":june")


def test_missing_credentials_get_a_sign_in_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    out = io.StringIO()
    code = cli.main(
        [
            "run",
            str(targets_file(tmp_path)),
            "--state-machine-arn",
            "arn:aws:states:ap-northeast-1:123456789012:stateMachine:qs",
            "--bucket",
            "b",
        ],
        out=out,
    )
    assert code == 2
    assert "No AWS credentials found" in out.getvalue() and "aws sso login" in out.getvalue()


def test_access_denied_names_the_operator_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class DeniedS3:
        def put_object(self, **kwargs: Any) -> None:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not allowed"}}, "PutObject")

    monkeypatch.setattr(aws_ops, "clients", lambda deployment, session=None: (object(), DeniedS3()))
    out = io.StringIO()
    code = cli.main(
        [
            "run",
            str(targets_file(tmp_path)),
            "--state-machine-arn",
            "arn:aws:states:ap-northeast-1:123456789012:stateMachine:qs",
            "--bucket",
            "b",
        ],
        out=out,
    )
    assert code == 2
    assert "Access denied for PutObject in ap-northeast-1" in out.getvalue()
    assert "operator_policy_json" in out.getvalue()


def test_a_region_flag_that_contradicts_the_state_machine_is_refused(tmp_path: Path) -> None:
    out = io.StringIO()
    code = cli.main(
        [
            "report",
            "x",
            "--region",
            "us-east-1",
            "--state-machine-arn",
            "arn:aws:states:ap-northeast-1:123456789012:stateMachine:qs",
            "--bucket",
            "b",
        ],
        out=out,
    )
    assert code == 2 and "is in ap-northeast-1" in out.getvalue()


def test_quicksight_identity_region_errors_get_a_hint() -> None:
    rows = [
        {
            "status": "FAILED",
            "detail": "Operation is being called from endpoint ap-northeast-1, but your "
            "identity region is us-east-1. Please use the us-east-1 endpoint.",
        }
    ]
    assert "Deploy the module in us-east-1" in aws_ops.region_hint(rows)
    assert aws_ops.region_hint([{"status": "NOT_FOUND", "detail": ""}]) == ""


def test_settings_come_from_terraform_outputs_and_a_trigger_blocks_run(tmp_path: Path) -> None:
    outputs = {
        "state_machine_arn": {"value": "arn:aws:states:ap-northeast-1:123456789012:stateMachine:qs"},
        "bucket_name": {"value": "qs-bucket"},
        "csv_upload_prefix": {"value": "input/"},
        "report_prefix": {"value": "reports/"},
        "eventbridge_rule_arn": {"value": "arn:aws:events:ap-northeast-1:123456789012:rule/qs"},
    }
    saved = tmp_path / "outputs.json"
    saved.write_text(json.dumps(outputs), encoding="utf-8")
    deployment = aws_ops.resolve_deployment(tf_outputs=saved, environ={})
    assert (deployment.bucket, deployment.region, deployment.trigger_enabled) == ("qs-bucket", "ap-northeast-1", True)
    out = io.StringIO()
    code = cli.main(["run", str(targets_file(tmp_path)), "--tf-outputs", str(saved)], out=out)
    assert code == 2 and "starts an execution by itself" in out.getvalue()


def test_missing_configuration_says_which_flags_to_pass() -> None:
    with pytest.raises(aws_ops.OperatorError, match="--state-machine-arn and --bucket"):
        aws_ops.resolve_deployment(environ={})


def test_progress_bar_counts_finished_items_against_the_total() -> None:
    counts = progress.counts_from_item_counts({"succeeded": 250, "failed": 50, "running": 10, "total": 600})
    assert progress.bar(counts, width=10) == "[#####.....]  300/600 rows (50%), 50 item executions failed"
    assert progress.counts_from_item_counts({"succeeded": 3, "total": 3}, expected_total=900).total == 900
