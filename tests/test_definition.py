"""Static properties of the rendered ASL: valid, bounded retries, statuses from one place."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from quicksight_deprovision import statuses

from qsdeprov import config, render

ROOT = Path(__file__).resolve().parent.parent
ASL_VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"
#: The longest any single Retrier may keep one call waiting (all attempts, no jitter).
RETRIER_BOUND_SECONDS = 15 * 60


def worst_case_wait(retrier: dict[str, Any]) -> float:
    """Total seconds a retrier can wait across all its attempts (FULL jitter only shortens)."""
    interval = retrier.get("IntervalSeconds", 1)
    rate = retrier.get("BackoffRate", 2.0)
    cap = retrier.get("MaxDelaySeconds", float("inf"))
    return sum(min(interval * rate**k, cap) for k in range(retrier.get("MaxAttempts", 3)))


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return render.render(config.template_values())


def test_renderer_refuses_missing_and_unused_values() -> None:
    values = config.template_values()
    del values["bucket_name"]
    with pytest.raises(render.TemplateError, match=r"missing \['bucket_name'\]"):
        render.render(values)
    with pytest.raises(render.TemplateError, match=r"unused \['surprise'\]"):
        render.render({**config.template_values(), "surprise": 1})


def test_renderer_refuses_template_directives() -> None:
    with pytest.raises(render.TemplateError, match="plain"):
        render.render_text('{"a": "%{ if x }y%{ endif }"}', {})


def test_numbers_are_interpolated_like_terraform() -> None:
    assert render.format_value(2.0) == "2" and render.format_value(1.5) == "1.5"
    assert render.format_value(True) == "true"


@pytest.mark.skipif(not ASL_VALIDATOR.exists(), reason="run `make node` to install asl-validator")
def test_rendered_definition_passes_asl_validator(tmp_path: Path, definition: dict[str, Any]) -> None:
    path = tmp_path / "asl.json"
    path.write_text(json.dumps(definition))
    ok = subprocess.run([str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The validator does reject a broken definition (so the check above can fail).
    broken = json.loads(json.dumps(definition))
    broken["States"]["Check input"]["Default"] = "No such state"
    path.write_text(json.dumps(broken))
    bad = subprocess.run([str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True, text=True)
    assert bad.returncode != 0


def test_asl_validator_is_installed_in_ci() -> None:
    if shutil.which("node") and Path(ROOT / "package-lock.json").exists():
        assert ASL_VALIDATOR.exists(), "make test installs node_modules first"


def test_every_retrier_has_a_bounded_worst_case_wait(definition: dict[str, Any]) -> None:
    retriers = [(name, r) for name, s in render.iter_states(definition) for r in s.get("Retry", [])]
    assert len(retriers) >= 12
    for name, r in retriers:
        assert r["MaxAttempts"] <= 30, name
        assert worst_case_wait(r) <= RETRIER_BOUND_SECONDS, (name, worst_case_wait(r))
        if r.get("BackoffRate", 2.0) > 1:
            assert r["JitterStrategy"] == "FULL" and "MaxDelaySeconds" in r, name


def test_the_seeds_retry_policy_would_fail_the_bound() -> None:
    # IntervalSeconds 1, BackoffRate 2, 20 attempts, no cap: the 3-day trap of the original talk.
    seed = {"IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 20}
    assert worst_case_wait(seed) > 12 * 24 * 3600
    assert worst_case_wait({**seed, "MaxDelaySeconds": 20}) < RETRIER_BOUND_SECONDS


def test_one_row_cannot_wait_more_than_an_hour_even_in_the_worst_case(definition: dict[str, Any]) -> None:
    item_states = dict(render.iter_states(definition["States"]["Process each user"]["ItemProcessor"]))
    per_row = sum(worst_case_wait(r) for s in item_states.values() for r in s.get("Retry", []))
    assert per_row <= 3600


THROTTLE_ERRORS = {
    "aws-sdk:quicksight": "QuickSight.ThrottlingException",
    "aws-sdk:dynamodb": "DynamoDb.ThrottlingException",
    "lambda:invoke": "Lambda.TooManyRequestsException",
    "aws-sdk:s3": "S3.S3Exception",
    "sns:publish": "SNS.ThrottledException",
}


def test_every_task_retries_its_services_throttling(definition: dict[str, Any]) -> None:
    tasks = [(n, s) for n, s in render.iter_states(definition) if s["Type"] == "Task"]
    assert len(tasks) == 11
    for name, state in tasks:
        service = next(k for k in THROTTLE_ERRORS if k in state["Resource"])
        retried = {e for r in state["Retry"] for e in r["ErrorEquals"]}
        assert THROTTLE_ERRORS[service] in retried, name


def test_max_concurrency_and_retry_numbers_come_from_the_template_values() -> None:
    d = render.render(config.template_values(max_concurrency=7, retry_max_attempts=4, retry_max_delay_seconds=9))
    m = d["States"]["Process each user"]
    assert m["MaxConcurrency"] == 7
    describe = m["ItemProcessor"]["States"]["Check user exists"]["Retry"][0]
    assert (describe["MaxAttempts"], describe["MaxDelaySeconds"]) == (4, 9)


def test_statuses_written_by_the_asl_are_exactly_the_contracts(definition: dict[str, Any]) -> None:
    item_states = definition["States"]["Process each user"]["ItemProcessor"]["States"]
    written = {
        s["Parameters"]["status"]
        for s in item_states.values()
        if s["Type"] == "Pass" and "status" in s.get("Parameters", {})
    }
    # FAILED is also produced by the export for rows never recorded.
    assert written == set(statuses.ALL)


def test_every_fail_state_tells_the_operator_what_to_do(definition: dict[str, Any]) -> None:
    fails = {n: s for n, s in render.iter_states(definition) if s["Type"] == "Fail"}
    assert len(fails) == 10
    for name, state in fails.items():
        text = state.get("Cause") or state.get("CausePath", "")
        assert any(w in text for w in ("start a new execution", "by hand", "DynamoDB console", "Start the")), name


def test_state_names_read_like_a_flow_chart(definition: dict[str, Any]) -> None:
    for name, _ in render.iter_states(definition):
        assert name[0].isupper() and "_" not in name and len(name) <= 30, name
