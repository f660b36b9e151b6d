"""Static checks of the Terraform module: defaults, docs tables, structure."""

from __future__ import annotations

import hcl2
import pytest

from qsdeprov import terraform_checks as tc
from qsdeprov.config import MODULE_DEFAULTS

ROOT = tc.ROOT


def test_variable_defaults_match_the_local_config() -> None:
    with (ROOT / "variables.tf").open(encoding="utf-8") as fh:
        parsed = hcl2.load(fh)
    defaults = {}
    for block in parsed["variable"]:
        for name, body in block.items():
            if "default" in body:
                defaults[name.strip('"')] = body["default"]
    for name, expected in MODULE_DEFAULTS.items():
        value = tc.variable_defaults()[name]
        assert value == expected, f"variables.tf default of {name} is {value!r}, qsdeprov/config.py says {expected!r}"
        assert name in defaults


def test_every_variable_and_output_is_described() -> None:
    for path in [ROOT, *sorted((ROOT / "modules").iterdir())]:
        module = tc.load_module(path)
        for name, body in module.variables.items():
            assert body.get("description", '""') != '""', f"{path.name}: variable {name} has no description"
            assert "type" in body, f"{path.name}: variable {name} has no type"
        for name, body in module.outputs.items():
            assert body.get("description", '""') != '""', f"{path.name}: output {name} has no description"


def test_readme_tables_match_variables_and_outputs() -> None:
    path = tc.docs_file()
    assert path.exists(), f"{path} is missing: run python -m qsdeprov.terraform_checks docs --write"
    assert tc.docs_section(path.read_text(encoding="utf-8")) == tc.docs_tables(), (
        f"{path} is out of date: run python -m qsdeprov.terraform_checks docs --write"
    )


def test_roles_get_inline_policies_never_attachments() -> None:
    for tf in ROOT.glob("**/*.tf"):
        if ".terraform" in tf.parts or ".venv" in tf.parts[0]:
            continue
        text = tf.read_text(encoding="utf-8")
        assert "aws_iam_policy_attachment" not in text, tf


def test_terraform_lock_files_and_state_are_never_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {".terraform.lock.hcl", ".terraform/", "*.tfstate"} <= set(ignored)


@pytest.mark.parametrize("example", ["basic", "existing-bucket", "multi-account"])
def test_examples_use_the_module_and_have_a_readme(example: str) -> None:
    folder = ROOT / "examples" / example
    assert (folder / "README.md").exists()
    sources = [body["source"] for m in tc.load_module(folder).modules.values() for body in [m]]
    assert sources and all(s.strip('"') == "../.." for s in sources)


def test_policy_documents_render_for_every_scenario() -> None:
    for scenario, variables in tc.SCENARIOS.items():
        policies = tc.evaluate_root(variables).all_policies()
        assert {"root.operator", "state_machine.this", "export_function.this"} <= set(policies), scenario
        if variables.get("enable_eventbridge_trigger"):
            assert "trigger.this" in policies


def test_evaluator_follows_terraform_semantics_for_the_constructs_the_module_uses() -> None:
    from qsdeprov.hcl_eval import Scope, Unsupported, evaluate, leaf_expression

    values = {"var": {"name": "qs", "arn": None, "roles": ["READER", "AUTHOR"], "rate": 1.5, "n": 2.0}}
    scope = Scope(lambda n: values[n])

    def ev(text: str) -> object:
        return evaluate(leaf_expression(text), scope)

    assert ev('"${var.name}-log-"') == "qs-log-"
    assert ev('"${var.rate}/${var.n}"') == "1.5/2"
    assert ev("${jsonencode(var.roles)}") == '["READER","AUTHOR"]'
    assert ev('${var.arn == null ? "" : var.arn}') == ""
    assert ev("${var.arn == null ? [] : [var.arn]}") == []
    assert ev('${lookup({ "aws-cn" = "cn" }, "aws", "default")}') == "default"
    with pytest.raises(Unsupported):
        ev("${[for r in var.roles : lower(r)]}")
