"""Operator CLI: ``qsdeprov check|run|report|demo`` (also ``python -m qsdeprov``).

Exit codes: 0 all good; 1 something needs attention (problems in the CSV, a failed execution,
FAILED rows); 2 usage or configuration problem, or a CSV the state machine would refuse;
130 interrupted with Ctrl-C (the CLI says what is still running).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from botocore.exceptions import BotoCoreError, ClientError

from . import aws_ops, check

EPILOG = """monthly operation (docs/runbook.en.md, docs/runbook.ja.md):
  qsdeprov check users.csv --fix users-clean.csv
  qsdeprov run users-clean.csv --dry-run --tf-dir infra/
  qsdeprov run users-clean.csv --tf-dir infra/
  qsdeprov report <execution name> --tf-dir infra/
"""


def _add_deployment_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where the module is deployed (flags > --tf-outputs/--tf-dir > QSDEPROV_* variables)")
    g.add_argument("--tf-dir", type=Path, help="folder where the module was applied: reads `terraform output -json`")
    g.add_argument("--tf-outputs", type=Path, help="a saved `terraform output -json` file")
    g.add_argument("--state-machine-arn", help="the module output state_machine_arn")
    g.add_argument("--bucket", help="the module output bucket_name")
    g.add_argument("--region", help="optional; must match the state machine's region")
    g.add_argument("--out", type=Path, help="also save report.csv and summary.json in this folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qsdeprov",
        description="Delete inactive QuickSight users listed in a CSV (operator tools).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="verb", required=True, metavar="{check,run,report,demo}")

    p = sub.add_parser("check", help="check a target CSV offline, with the state machine's own rules")
    p.add_argument("file", type=Path)
    p.add_argument("--fix", type=Path, metavar="OUT", help="write a cleaned CSV (never the input file)")
    p.add_argument("--strict", action="store_true", help="notes (BOM, CRLF, blank lines) also make the exit code 1")

    p = sub.add_parser("run", help="upload a CSV, start an execution, follow it, print the report")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="look every user up, delete nobody (WOULD_DELETE)")
    p.add_argument("--name", help="execution name (default: <file>-<UTC time>[-dryrun])")
    _add_deployment_flags(p)

    p = sub.add_parser("report", help="show a past execution's report (name or ARN)")
    p.add_argument("execution")
    p.add_argument("--wait", action="store_true", help="if it is still running, follow it until it ends")
    _add_deployment_flags(p)

    p = sub.add_parser("demo", help="run everything locally on an embedded AWS (moto), with a realistic population")
    p.add_argument("--population", type=Path, help="your users: CSV with columns user_name,email,role")
    p.add_argument("--targets", type=Path, help="your target CSV (any CSV with an email column)")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--out", type=Path, help="output folder (default: out/demo-<time>)")
    p.add_argument("--user-name-prefix", default="", help="QuickSight user name prefix, as the module variable")
    p.add_argument("--max-concurrency", type=int, default=None, help="Map concurrency (module variable)")
    return parser


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        out.write(f"cannot read {args.file}: {exc.strerror}\n")
        return aws_ops.EXIT_USAGE
    result = check.check_bytes(data)
    for f in result.findings:
        out.write(f.render() + "\n")
    out.write(check.summary_line(result) + "\n")
    code = result.exit_code
    if args.strict and code == 0 and result.count(check.NOTE):
        code = 1
    if args.fix is not None:
        if check.same_file(args.file, args.fix):
            out.write(f"--fix {args.fix}: refusing to overwrite the input file; choose another name.\n")
            return aws_ops.EXIT_USAGE
        if not result.rows and result.fatal:
            out.write("--fix: nothing written, the file cannot be read as a CSV with an email column.\n")
            return code
        args.fix.write_bytes(check.clean_csv(result.clean))
        out.write(f"Wrote {args.fix}: {len(result.clean)} addresses (NFKC, trimmed, de-duplicated; UTF-8, LF).\n")
        for t in result.unfixable:
            out.write(f"  NOT written, fix by hand: line {t.line} {t.email!r} ({t.problem})\n")
    return code


def _deployment(args: argparse.Namespace) -> aws_ops.Deployment:
    return aws_ops.resolve_deployment(
        state_machine_arn=args.state_machine_arn,
        bucket=args.bucket,
        region=args.region,
        tf_dir=args.tf_dir,
        tf_outputs=args.tf_outputs,
    )


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    deployment = _deployment(args)
    try:
        code, _ = aws_ops.run_file(
            deployment, args.file, dry_run=args.dry_run, name=args.name, out_dir=args.out, stream=out
        )
    except (ClientError, BotoCoreError) as exc:
        out.write(f"ERROR: {aws_ops.explain(exc, deployment)}\n")
        return aws_ops.EXIT_USAGE
    return code


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    deployment = _deployment(args)
    try:
        code, _ = aws_ops.show_report(deployment, args.execution, wait=args.wait, out_dir=args.out, stream=out)
    except (ClientError, BotoCoreError) as exc:
        out.write(f"ERROR: {aws_ops.explain(exc, deployment)}\n")
        if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
            out.write("Recent executions:\n")
            for line in aws_ops.recent_executions(deployment):
                out.write(f"  {line}\n")
        return aws_ops.EXIT_USAGE
    return code


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    from . import demo  # imports moto: only when asked for

    extra = {"max_concurrency": args.max_concurrency} if args.max_concurrency else {}
    result = demo.run_demo(
        population_file=args.population,
        targets_file=args.targets,
        dry_run=args.dry_run,
        out_dir=args.out,
        user_name_prefix=args.user_name_prefix,
        stream=out,
        **extra,
    )
    return result.exit_code


COMMANDS = {"check": cmd_check, "run": cmd_run, "report": cmd_report, "demo": cmd_demo}


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.verb](args, out)
    except aws_ops.OperatorError as exc:
        out.write(f"ERROR: {exc}\n")
        return exc.exit_code
    except (ClientError, BotoCoreError) as exc:
        out.write(f"ERROR: {aws_ops.explain(exc)}\n")
        return aws_ops.EXIT_USAGE
    except KeyboardInterrupt:
        out.write("\nInterrupted (Ctrl-C).\n")
        return aws_ops.EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
