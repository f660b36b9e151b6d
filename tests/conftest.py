"""Shared fixtures, and the ASL state-coverage report.

Every test that runs the state machine goes through qsdeprov.embedded, which counts the states
entered. At the end of a full run (all of tests/, no -k/-m filter) any state of the rendered ASL
that no test entered fails the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from qsdeprov import config, render
from qsdeprov.embedded import ENTERED_STATES, EmbeddedAws


@pytest.fixture
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        yield embedded


_SESSION: list[pytest.Session] = []


def _full_run(config_: pytest.Config) -> bool:
    opt = config_.option
    args = [a.rstrip("/") for a in config_.args]
    return not opt.keyword and not opt.markexpr and args in ([], ["tests"], [str(config_.rootpath / "tests")])


def pytest_sessionstart(session: pytest.Session) -> None:
    _SESSION.append(session)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Under pytest-xdist each worker hands its counts to the controller.
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["entered_states"] = dict(ENTERED_STATES)


def pytest_testnodedown(node: Any, error: Any) -> None:
    ENTERED_STATES.update(getattr(node, "workeroutput", {}).get("entered_states", {}))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    states = {name for name, _ in render.iter_states(render.render(config_values()))}
    entered = {s for s in states if ENTERED_STATES[s]}
    missing = sorted(states - entered)
    tr = terminalreporter
    tr.section("ASL state coverage")
    tr.write_line(f"{len(entered)}/{len(states)} states of the rendered ASL entered by this session")
    for name in missing:
        tr.write_line(f"  never entered: {name}")
    if getattr(config, "workerinput", None) is not None:
        return  # a worker: the controller reports for the whole session
    if missing and _full_run(config) and _SESSION:
        tr.write_line("FAILED: every state of the ASL must be entered by at least one test")
        _SESSION[0].exitstatus = pytest.ExitCode.TESTS_FAILED


def config_values() -> dict[str, Any]:
    return config.template_values()
