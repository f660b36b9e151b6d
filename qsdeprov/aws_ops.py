"""What the operator CLI does against AWS: upload, start, watch, fetch the report, explain errors.

Every AWS call goes through boto3 clients made here, so the same code runs against real AWS and
against :class:`qsdeprov.embedded.EmbeddedAws` (moto) in the demo and the tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError
from quicksight_deprovision import report, statuses, targets

from . import config, progress

#: Exit codes of ``run`` and ``report``.
EXIT_OK, EXIT_ATTENTION, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: What the operator does next for each status (the runbook says the same at more length).
NEXT_STEP: dict[str, str] = {
    statuses.DELETED: "nothing",
    statuses.WOULD_DELETE: "dry run: start a real run with the same CSV",
    statuses.NOT_FOUND: "already gone, or a typo: look the address up",
    statuses.PROTECTED: "not deleted on purpose: ask the owner (Admin/Author)",
    statuses.INVALID_EMAIL: "correct the address (qsdeprov check) and run it again",
    statuses.FAILED: "read the error column; run the CSV again",
}

_CONSOLE_HOSTS = {"aws-cn": "console.amazonaws.cn", "aws-us-gov": "console.amazonaws-us-gov.com"}
_IDENTITY_REGION = re.compile(r"identity region is ([a-z]{2}(?:-[a-z]+)+-\d)")


class OperatorError(Exception):
    """A problem the operator can fix; ``str()`` says how."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Deployment:
    """Where one module instance lives (from ``terraform output -json`` or flags)."""

    state_machine_arn: str
    bucket: str
    input_prefix: str = config.INPUT_PREFIX
    report_prefix: str = config.REPORT_PREFIX
    trigger_enabled: bool = False

    @property
    def partition(self) -> str:
        return self.state_machine_arn.split(":")[1]

    @property
    def region(self) -> str:
        return self.state_machine_arn.split(":")[3]

    def execution_arn(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        head, _, machine = self.state_machine_arn.rpartition(":stateMachine:")
        return f"{head}:execution:{machine}:{name_or_arn}"

    def console_url(self, execution_arn: str) -> str:
        host = _CONSOLE_HOSTS.get(self.partition, "console.aws.amazon.com")
        return (
            f"https://{self.region}.{host}/states/home?region={self.region}"
            f"#/v2/executions/details/{quote(execution_arn, safe='')}"
        )


# ------------------------------------------------------------------ configuration
_ARN = re.compile(r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$")


def outputs_to_settings(outputs: dict[str, Any]) -> dict[str, Any]:
    """``terraform output -json`` (``{"name": {"value": ...}}``) as Deployment keyword arguments."""
    value = {k: (v.get("value") if isinstance(v, dict) else v) for k, v in outputs.items()}
    settings: dict[str, Any] = {}
    for key, out in (
        ("state_machine_arn", "state_machine_arn"),
        ("bucket", "bucket_name"),
        ("input_prefix", "csv_upload_prefix"),
        ("report_prefix", "report_prefix"),
    ):
        if value.get(out):
            settings[key] = value[out]
    settings["trigger_enabled"] = bool(value.get("eventbridge_rule_arn"))
    return settings


def terraform_outputs(tf_dir: Path, run: Callable[..., Any] = subprocess.run) -> dict[str, Any]:
    exe = shutil.which("terraform")
    if exe is None:
        raise OperatorError(
            "terraform is not on PATH. Pass --state-machine-arn and --bucket (the module's "
            "outputs state_machine_arn and bucket_name), or --tf-outputs FILE."
        )
    proc = run([exe, "output", "-json"], cwd=tf_dir, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise OperatorError(f"`terraform output -json` failed in {tf_dir}: {proc.stderr.strip()}")
    return json.loads(proc.stdout or "{}")


def resolve_deployment(
    *,
    state_machine_arn: str | None = None,
    bucket: str | None = None,
    region: str | None = None,
    tf_dir: Path | None = None,
    tf_outputs: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Deployment:
    """Flags win over ``--tf-outputs``/``--tf-dir``, which win over QSDEPROV_* environment variables."""
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    if env.get("QSDEPROV_STATE_MACHINE_ARN"):
        settings["state_machine_arn"] = env["QSDEPROV_STATE_MACHINE_ARN"]
    if env.get("QSDEPROV_BUCKET"):
        settings["bucket"] = env["QSDEPROV_BUCKET"]
    if tf_outputs is not None:
        settings.update(outputs_to_settings(json.loads(Path(tf_outputs).read_text(encoding="utf-8"))))
    elif tf_dir is not None:
        settings.update(outputs_to_settings(terraform_outputs(tf_dir)))
    if state_machine_arn:
        settings["state_machine_arn"] = state_machine_arn
    if bucket:
        settings["bucket"] = bucket
    missing = [
        flag
        for flag, key in (("--state-machine-arn", "state_machine_arn"), ("--bucket", "bucket"))
        if not settings.get(key)
    ]
    if missing:
        raise OperatorError(
            f"missing {' and '.join(missing)}: pass them, or --tf-dir DIR (where the module was "
            "applied), or --tf-outputs FILE (saved `terraform output -json`)."
        )
    if not _ARN.match(settings["state_machine_arn"]):
        raise OperatorError(
            f"{settings['state_machine_arn']!r} is not a state machine ARN "
            "(arn:aws:states:<region>:<account>:stateMachine:<name>)."
        )
    deployment = Deployment(**settings)
    if region and region != deployment.region:
        raise OperatorError(
            f"--region {region} does not match the state machine, which is in {deployment.region}. "
            f"Step Functions and the bucket are used in {deployment.region}; drop --region or fix the ARN."
        )
    return deployment


# ------------------------------------------------------------------ errors
def explain(exc: BaseException, deployment: Deployment | None = None) -> str:
    """A sentence an operator can act on, for the AWS errors they meet."""
    where = f" in {deployment.region}" if deployment else ""
    if isinstance(exc, NoCredentialsError):
        return (
            "No AWS credentials found. Sign in first: with IAM Identity Center run `aws sso login --profile <profile>` "
            "and set AWS_PROFILE=<profile>, or open AWS CloudShell; then run this command again."
        )
    if isinstance(exc, NoRegionError):
        return "No AWS region set: pass --tf-dir or --state-machine-arn (the region is taken from the ARN)."
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code, message, op = err.get("Code", ""), err.get("Message", ""), exc.operation_name
        if code in (
            "ExpiredToken",
            "ExpiredTokenException",
            "RequestExpired",
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
        ):
            return f"Your AWS sign-in is expired or invalid ({code}). Sign in again (`aws sso login`) and retry."
        if code in ("AccessDenied", "AccessDeniedException", "403", "Forbidden"):
            return (
                f"Access denied for {op}{where} ({message or code}). Ask the infrastructure team to attach the "
                "module's `operator_policy_json` output to your role or permission set."
            )
        if code == "StateMachineDoesNotExist":
            return (
                f"No state machine {deployment.state_machine_arn if deployment else ''}{where}. Check the account "
                "you are signed in to, and the ARN (`terraform output state_machine_arn`)."
            )
        if code == "ExecutionDoesNotExist":
            return f"No such execution{where} ({message}). Use the name shown by `run` or in the console."
        if code in ("NoSuchBucket", "404") and op in ("PutObject", "HeadBucket"):
            return f"The bucket {deployment.bucket if deployment else ''} does not exist{where}: check --bucket."
        return f"AWS refused {op}: {code}: {message}"
    if isinstance(exc, BotoCoreError):
        return f"Cannot reach AWS{where}: {exc}. Check the network or proxy settings."
    return str(exc)


def region_hint(rows: list[dict[str, str]]) -> str:
    """When QuickSight answered "your identity region is X", say where the module must run."""
    for r in rows:
        m = _IDENTITY_REGION.search(r.get("detail", ""))
        if r.get("status") == statuses.FAILED and m:
            return (
                f"QuickSight's identity region is {m.group(1)}: QuickSight user APIs only work there. "
                f"Deploy the module in {m.group(1)} (the infrastructure team sets the provider region)."
            )
    return ""


# ------------------------------------------------------------------ formatting
def summary_table(summary: dict[str, Any]) -> str:
    counts = summary.get("counts", {})
    lines = [f"{'status':<14}{'rows':>6}  meaning / next step", "-" * 78]
    for s in statuses.ALL:
        lines.append(f"{s:<14}{counts.get(s, 0):>6}  {statuses.MEANING[s]}")
        if counts.get(s, 0) and NEXT_STEP[s] != "nothing":
            lines.append(f"{'':<22}-> {NEXT_STEP[s]}")
    lines.append("-" * 78)
    lines.append(
        f"{'total':<14}{summary.get('totalRows', sum(counts.values())):>6}"
        + (f"  ({summary['duplicateRows']} duplicate rows)" if summary.get("duplicateRows") else "")
    )
    if summary.get("notRecorded"):
        lines.append(f"{summary['notRecorded']} rows have no recorded result (FAILED, error NotRecorded).")
    return "\n".join(lines)


def attention_rows(rows: list[dict[str, str]], limit: int = 15) -> str:
    """The rows a person must look at (not DELETED/WOULD_DELETE/NOT_FOUND), first ``limit`` of them."""
    wanted = [r for r in rows if r["status"] in (statuses.FAILED, statuses.INVALID_EMAIL, statuses.PROTECTED)]
    if not wanted:
        return ""
    out = [f"Rows to look at ({len(wanted)}):"]
    for r in wanted[:limit]:
        extra = " ".join(x for x in (r.get("error", ""), r.get("detail", "")) if x)
        out.append(f"  line {r['line']:>5}  {r['status']:<13} {r['email']!r}  {extra}")
    if len(wanted) > limit:
        out.append(f"  ... and {len(wanted) - limit} more in report.csv")
    return "\n".join(out)


# ------------------------------------------------------------------ AWS actions
def clients(deployment: Deployment, session: Any = None) -> tuple[Any, Any]:
    session = session or boto3.session.Session()
    return (
        session.client("stepfunctions", region_name=deployment.region),
        session.client("s3", region_name=deployment.region),
    )


def execution_name(path: Path, dry_run: bool, now: datetime | None = None) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-")[:40] or "targets"
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return f"{stem}-{stamp}{'-dryrun' if dry_run else ''}"


def fetch_report(
    s3: Any, deployment: Deployment, name: str
) -> tuple[dict[str, Any] | None, list[dict[str, str]], bytes]:
    prefix = f"{deployment.report_prefix}{name}/"
    try:
        summary = json.loads(s3.get_object(Bucket=deployment.bucket, Key=f"{prefix}summary.json")["Body"].read())
        data = s3.get_object(Bucket=deployment.bucket, Key=f"{prefix}report.csv")["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None, [], b""
        raise
    return summary, report.parse_report_csv(data), data


def save_report(out_dir: Path, summary: dict[str, Any], data: bytes) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.csv").write_bytes(data)
    (out_dir / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return [out_dir / "report.csv", out_dir / "summary.json"]


def present(
    deployment: Deployment, s3: Any, described: dict[str, Any], out_dir: Path | None, stream: TextIO
) -> tuple[int, dict[str, Any] | None]:
    """Print a finished execution's outcome and report; return the exit code and the summary."""
    name, status = described["name"], described["status"]
    summary, rows, data = fetch_report(s3, deployment, name)
    w = stream.write
    w(f"\nExecution {name}: {status}\n")
    if summary:
        w(("DRY RUN: nothing was deleted.\n" if summary.get("dryRun") else "") + summary_table(summary) + "\n")
        attention = attention_rows(rows)
        if attention:
            w(attention + "\n")
        hint = region_hint(rows)
        if hint:
            w(f"HINT: {hint}\n")
        w(f"Report: s3://{deployment.bucket}/{deployment.report_prefix}{name}/report.csv (Excel opens it)\n")
        if out_dir is not None:
            paths = save_report(out_dir, summary, data)
            w("Saved: " + ", ".join(str(p) for p in paths) + "\n")
    if status != "SUCCEEDED":
        w(f"Error: {described.get('error') or status}\n")
        if described.get("cause"):
            w(f"Cause: {described['cause']}\n")
        w("What to do for each error: docs/runbook.en.md (English) / docs/runbook.ja.md (日本語).\n")
        if not summary:
            w("No report was written for this execution.\n")
        return EXIT_ATTENTION, summary
    failed = (summary or {}).get("counts", {}).get(statuses.FAILED, 0)
    return (EXIT_ATTENTION if failed else EXIT_OK), summary


def _interrupted(deployment: Deployment, phase: str, key: str, arn: str, stream: TextIO) -> int:
    w = stream.write
    w("\nInterrupted (Ctrl-C).\n")
    if phase in ("check", "upload"):
        w("No execution was started, no user was touched.\n")
        if phase == "upload":
            w(
                f"The CSV may have been uploaded to s3://{deployment.bucket}/{key}; it does nothing until an "
                "execution is started with it. Run the command again, or delete it.\n"
            )
    elif phase == "start":
        w(
            f"The execution may or may not have started. Look for {arn.rsplit(':', 1)[-1]} in the console:\n"
            f"  {deployment.console_url(arn)}\n"
        )
    else:
        w(
            f"The execution keeps running in AWS: stopping this program does not stop it.\n"
            f"  Console:   {deployment.console_url(arn)}\n"
            f"  Wait for it and show the report:  qsdeprov report {arn.rsplit(':', 1)[-1]} --wait\n"
            f"  Stop it:   aws stepfunctions stop-execution --execution-arn {arn}\n"
            "  If you stop it, users already deleted stay deleted, no report is written, the results so far stay in "
            "the DynamoDB log table (named after the execution) and the CSV stays in input/: start a new execution "
            "with it later (deleted users then show NOT_FOUND).\n"
        )
    stream.flush()
    return EXIT_INTERRUPTED


def run_file(
    deployment: Deployment,
    path: Path,
    *,
    dry_run: bool,
    name: str | None = None,
    out_dir: Path | None = None,
    session: Any = None,
    stream: TextIO = sys.stdout,
    printer: progress.Printer | None = None,
    poll_seconds: float = 2.0,
) -> tuple[int, dict[str, Any] | None]:
    """Check locally, upload under the input prefix, start, watch, then present the report."""
    phase, key, arn = "check", "", ""
    w = stream.write
    try:
        if deployment.trigger_enabled:
            raise OperatorError(
                "This deployment starts an execution by itself whenever a .csv is uploaded under "
                f"{deployment.input_prefix} (enable_eventbridge_trigger; a dry run unless eventbridge_trigger_dry_run "
                "is false). The CLI will not upload and start a second execution. Upload the CSV in the S3 console, "
                "then follow the execution it starts with `qsdeprov report <execution> --wait`."
            )
        data = path.read_bytes()
        try:
            rows = targets.read_targets(data)
        except targets.CsvProblem as exc:
            raise OperatorError(
                f"{path}: {exc.code}: {exc.message} (run `qsdeprov check {path}`)", EXIT_ATTENTION
            ) from exc
        invalid = sum(1 for t in rows if t.problem)
        if invalid:
            w(f"Note: {invalid} of {len(rows)} rows will end INVALID_EMAIL (see `qsdeprov check {path}`).\n")
        name = name or execution_name(path, dry_run)
        key = f"{deployment.input_prefix}{name}.csv"
        sfn, s3 = clients(deployment, session)
        phase = "upload"
        s3.put_object(Bucket=deployment.bucket, Key=key, Body=data, ContentType="text/csv")
        w(f"Uploaded {path} ({len(rows)} rows) to s3://{deployment.bucket}/{key}\n")
        phase, arn = "start", deployment.execution_arn(name)
        arn = sfn.start_execution(
            stateMachineArn=deployment.state_machine_arn,
            name=name,
            input=json.dumps({"csvKey": key, "dryRun": dry_run}),
        )["executionArn"]
        phase = "running"
        w(f"Started {'DRY RUN' if dry_run else 'REAL RUN'} {name}\n  {deployment.console_url(arn)}\n")
        stream.flush()
        described = progress.watch(
            sfn, arn, expected_total=len(rows), printer=printer or progress.Printer(stream), poll_seconds=poll_seconds
        )
        phase = "report"
        return present(deployment, s3, described, out_dir, stream)
    except KeyboardInterrupt:
        return _interrupted(deployment, phase, key, arn, stream), None


def show_report(
    deployment: Deployment,
    execution: str,
    *,
    wait: bool = False,
    out_dir: Path | None = None,
    session: Any = None,
    stream: TextIO = sys.stdout,
    poll_seconds: float = 2.0,
) -> tuple[int, dict[str, Any] | None]:
    sfn, s3 = clients(deployment, session)
    arn = deployment.execution_arn(execution)
    try:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] == "RUNNING":
            if not wait:
                counts = progress.map_run_counts(sfn, arn)
                stream.write(
                    f"Execution {described['name']} is still RUNNING"
                    + (f": {progress.bar(counts)}" if counts else "")
                    + "\n"
                    f"  {deployment.console_url(arn)}\n  Add --wait to follow it until it ends.\n"
                )
                return EXIT_ATTENTION, None
            described = progress.watch(sfn, arn, printer=progress.Printer(stream), poll_seconds=poll_seconds)
    except KeyboardInterrupt:
        return _interrupted(deployment, "running", "", arn, stream), None
    return present(deployment, s3, described, out_dir, stream)


def recent_executions(deployment: Deployment, session: Any = None, limit: int = 5) -> list[str]:
    sfn, _ = clients(deployment, session)
    page = sfn.list_executions(stateMachineArn=deployment.state_machine_arn, maxResults=limit)
    return [f"{e['name']}  {e['status']}  {e['startDate']:%Y-%m-%d %H:%M}" for e in page.get("executions", [])]
