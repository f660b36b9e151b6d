"""The ASL/IAM contract: the state machine role allows what the rendered ASL calls, and nothing else.

The definition is rendered from the template with the values the module passes to templatefile();
the role policy is rendered from modules/state_machine/iam.tf with the same sample values.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from qsdeprov import terraform_checks as tc
from qsdeprov.config import MODULE_DEFAULTS, template_values
from qsdeprov.hcl_eval import Unsupported

SCENARIOS = sorted(tc.SCENARIOS)


def _contract(variables: dict[str, Any]) -> tuple[dict[str, Any], list[tc.Need], dict[str, Any]]:
    ev = tc.evaluate_root(variables)
    name = variables.get("name", "quicksight-deprovision")
    return ev.definition(), tc.asl_needs(ev.definition(), state_machine_name=name), ev.state_machine_policy()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_role_allows_every_call_the_definition_makes(scenario: str) -> None:
    _, needs, policy = _contract(tc.SCENARIOS[scenario])
    assert needs, "the definition makes AWS calls"
    assert tc.missing_permissions(policy, needs) == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_role_allows_no_action_the_definition_does_not_use(scenario: str) -> None:
    variables = tc.SCENARIOS[scenario]
    _, needs, policy = _contract(variables)
    assert tc.unused_actions(policy, needs, tc.platform_actions(variables)) == set()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_only_log_delivery_and_tracing_use_a_wildcard_resource(scenario: str) -> None:
    _, _, policy = _contract(tc.SCENARIOS[scenario])
    for statement in policy["Statement"]:
        actions = set(tc.as_list(statement["Action"]))
        assert not any("*" in a for a in actions), statement
        if "*" in tc.as_list(statement["Resource"]):
            assert actions <= tc.LOG_DELIVERY_ACTIONS | tc.XRAY_ACTIONS, statement


def test_users_can_be_deleted_only_in_the_configured_account_and_namespace() -> None:
    variables = tc.SCENARIOS["everything-on"]
    _, _, policy = _contract(variables)
    qs = "arn:aws:quicksight:us-east-1:{}:user/{}/someone@example.com"
    assert tc.allows(policy, "quicksight:DeleteUser", qs.format("210987654321", "retail"))
    assert not tc.allows(policy, "quicksight:DeleteUser", qs.format("210987654321", "default"))
    assert not tc.allows(policy, "quicksight:DeleteUser", qs.format("123456789012", "retail"))


def test_tables_outside_the_module_prefix_cannot_be_touched() -> None:
    _, _, policy = _contract({})
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/{}"
    assert tc.allows(policy, "dynamodb:DeleteTable", table.format("quicksight-deprovision-log-run1"))
    assert not tc.allows(policy, "dynamodb:DeleteTable", table.format("orders"))


def test_sns_publish_is_granted_only_when_a_topic_is_set() -> None:
    _, needs, policy = _contract({})
    assert "sns:Publish" not in tc.policy_actions(policy)
    assert all(n.action != "sns:Publish" for n in needs)
    _, needs, policy = _contract({"sns_topic_arn": "arn:aws:sns:us-east-1:123456789012:t"})
    assert tc.allows(policy, "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t")
    assert not tc.allows(policy, "sns:Publish", "arn:aws:sns:us-east-1:123456789012:other")


def test_the_uploaded_csv_can_be_deleted_but_reports_cannot() -> None:
    _, _, policy = _contract({})
    bucket = "arn:aws:s3:::quicksight-deprovision-123456789012-us-east-1"
    assert tc.allows(policy, "s3:DeleteObject", f"{bucket}/input/u.csv")
    assert not tc.allows(policy, "s3:DeleteObject", f"{bucket}/reports/run1/report.csv")
    assert not tc.allows(policy, "s3:PutObject", f"{bucket}/input/u.csv")


# The checker itself: it must notice a role that lost an action and an ASL that gained a call.


def test_contract_fails_when_an_action_is_removed_from_the_role() -> None:
    _, needs, policy = _contract({})
    broken = copy.deepcopy(policy)
    for statement in broken["Statement"]:
        statement["Action"] = [a for a in tc.as_list(statement["Action"]) if a != "dynamodb:DeleteTable"]
    missing = tc.missing_permissions(broken, needs)
    assert [(n.action, n.state) for n in missing] == [("dynamodb:DeleteTable", "Delete log table")]


def test_contract_fails_when_the_definition_calls_something_new() -> None:
    definition, _, policy = _contract({})
    changed = copy.deepcopy(definition)
    changed["States"]["Delete log table"]["Resource"] = "arn:aws:states:::aws-sdk:dynamodb:updateTable"
    needs = tc.asl_needs(changed, state_machine_name="quicksight-deprovision")
    assert [n.action for n in tc.missing_permissions(policy, needs)] == ["dynamodb:UpdateTable"]
    assert "dynamodb:DeleteTable" in tc.unused_actions(policy, needs, tc.platform_actions({}))


def test_contract_refuses_a_task_it_cannot_map() -> None:
    definition, _, _ = _contract({})
    changed = copy.deepcopy(definition)
    changed["States"]["Delete user"] = changed["States"]["Process each user"]["ItemProcessor"]["States"]["Delete user"]
    changed["States"]["Delete user"]["Resource"] = "arn:aws:states:::aws-sdk:quicksight:updateUser"
    with pytest.raises(Unsupported, match="no IAM mapping"):
        tc.asl_needs(changed, state_machine_name="quicksight-deprovision")


# templatefile() wiring


def test_templatefile_passes_exactly_the_template_variables() -> None:
    from qsdeprov import render

    assert set(tc.evaluate_root().template_vars()) == render.template_variables()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_module_passes_the_same_template_values_as_the_local_config(scenario: str) -> None:
    variables = tc.SCENARIOS[scenario]
    ev = tc.evaluate_root(variables)
    module_values = ev.template_vars()
    name = variables.get("name", "quicksight-deprovision")
    bucket = variables.get("bucket_name") or f"{name}-123456789012-us-east-1"
    expected = template_values(
        name=name,
        bucket_name=bucket,
        account_id="123456789012",
        sns_topic_arn=variables.get("sns_topic_arn") or "",
        **{k: v for k, v in variables.items() if k in MODULE_DEFAULTS},
    )
    qs_account = variables.get("quicksight_account_id")
    if qs_account:
        expected["quicksight_account_id"] = qs_account
    for values in (module_values, expected):
        values["deletable_roles_json"] = json.loads(values["deletable_roles_json"])
    assert module_values == expected
