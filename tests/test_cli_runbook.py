"""Both runbooks cover every status and every error an execution can fail with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from quicksight_deprovision import statuses

from qsdeprov import config, render

ROOT = Path(__file__).resolve().parent.parent
RUNBOOKS = [ROOT / "docs" / "runbook.en.md", ROOT / "docs" / "runbook.ja.md"]


def execution_errors() -> set[str]:
    definition = render.render(config.template_values())
    fails = {s["Error"] for s in definition["States"].values() if s["Type"] == "Fail" and "Error" in s}
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "lambda_src").rglob("*.py"))
    csv_codes = set(re.findall(r'"(Csv[A-Z][A-Za-z0-9]+)"', source))
    return fails | csv_codes


def test_the_error_list_is_not_empty() -> None:
    errors = execution_errors()
    assert {"InvalidInput", "RunFailed", "CsvNotUtf8", "CsvNoEmailColumn"} <= errors


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=lambda p: p.name)
def test_runbook_explains_every_status(runbook: Path) -> None:
    text = runbook.read_text(encoding="utf-8")
    missing = [s for s in statuses.ALL if f"`{s}`" not in text]
    assert not missing, f"{runbook.name} does not explain {missing}"


@pytest.mark.parametrize("runbook", RUNBOOKS, ids=lambda p: p.name)
def test_runbook_explains_every_execution_error(runbook: Path) -> None:
    text = runbook.read_text(encoding="utf-8")
    missing = sorted(e for e in execution_errors() if f"`{e}`" not in text)
    assert not missing, f"{runbook.name} does not explain {missing}"
