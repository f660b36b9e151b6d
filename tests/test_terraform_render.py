"""Terraform itself renders the ASL template and checks the variables: compare with the Python side.

Runs `terraform console` in an empty temporary folder (no providers, no registry needed). Skipped
only when no terraform binary exists (neither on PATH nor in .venv-lint).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qsdeprov import render, terraform_checks
from qsdeprov.config import template_values

TERRAFORM = terraform_checks.find_terraform()
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="no terraform binary (PATH or .venv-lint)")


def test_ci_always_has_a_terraform_binary() -> None:
    # .ci/run runs `make lint` first, which installs Terraform 1.0.3 into .venv-lint when none is
    # on PATH: in CI these comparisons must run, never skip.
    if not os.environ.get("CI"):
        pytest.skip("only enforced in CI")
    assert TERRAFORM is not None


def _hcl(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _console(workdir: Path, expression: str, *args: str) -> subprocess.CompletedProcess[str]:
    assert TERRAFORM is not None
    return subprocess.run(
        [TERRAFORM, "console", "-no-color", *args],
        cwd=workdir,
        input=expression + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _terraform_render(tmp_path: Path, values: dict[str, Any]) -> str:
    shutil.copy(render.TEMPLATE, tmp_path / "asl.tftpl")
    args = ", ".join(f"{k} = {_hcl(v)}" for k, v in sorted(values.items()))
    result = _console(tmp_path, f'base64encode(templatefile("asl.tftpl", {{ {args} }}))')
    assert result.returncode == 0, result.stderr
    encoded = result.stdout.strip().splitlines()[-1].strip().strip('"')
    return base64.b64decode(encoded).decode("utf-8")


@needs_terraform
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "name": "qs-cleanup",
            "sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:summary",
            "user_name_prefix": "AWSReservedSSO_QuickSightReader_0123abcd/",
            "deletable_roles": ["READER", "READER_PRO"],
            "retry_backoff_rate": 1.5,
            "max_concurrency": 7,
        },
    ],
    ids=["defaults", "everything-set"],
)
def test_terraform_templatefile_renders_the_same_definition_as_python(tmp_path: Path, overrides: dict) -> None:
    values = template_values(**overrides)
    values["deletable_roles_json"] = json.dumps(json.loads(values["deletable_roles_json"]), separators=(",", ":"))
    expected = render.render_text(render.template_text(), values)
    assert _terraform_render(tmp_path, values) == expected
    json.loads(expected)


@needs_terraform
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("max_concurrency", "100"),
        ("max_concurrency", "0"),
        ("retry_max_delay_seconds", "0"),
        ("deletable_roles", '["READER","OWNER"]'),
        ("quicksight_account_id", "12345"),
        ("user_name_prefix", 'bad"prefix/'),
        ("name", "Has_Upper"),
    ],
)
def test_terraform_rejects_out_of_range_variables(tmp_path: Path, variable: str, value: str) -> None:
    shutil.copy(terraform_checks.ROOT / "variables.tf", tmp_path)
    result = _console(tmp_path, f"var.{variable}", "-var", f"{variable}={value}")
    # terraform console reports the error but may still exit 0 (1.11 does): read the message.
    assert "Invalid value for variable" in result.stderr, result.stderr


@needs_terraform
def test_terraform_accepts_the_defaults_and_a_federated_prefix(tmp_path: Path) -> None:
    shutil.copy(terraform_checks.ROOT / "variables.tf", tmp_path)
    prefix = "AWSReservedSSO_QuickSightReader_0123abcd/"
    result = _console(tmp_path, "var.user_name_prefix", "-var", f"user_name_prefix={prefix}")
    assert result.returncode == 0, result.stderr
    assert "Invalid value" not in result.stderr
    assert prefix in result.stdout
