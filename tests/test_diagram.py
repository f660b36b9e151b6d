"""docs/state-machine.md is generated from the rendered ASL and must not go stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from qsdeprov import config, diagram, render


def test_committed_diagram_matches_a_fresh_rendering() -> None:
    committed = diagram.OUTPUT.read_text(encoding="utf-8")
    assert committed == diagram.document(), "docs/state-machine.md is stale: run `make diagram` and commit it"


def test_check_mode_fails_on_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "state-machine.md"
    stale.write_text(diagram.document().replace("Delete user", "Remove user"), encoding="utf-8")
    monkeypatch.setattr(diagram, "OUTPUT", stale)
    assert diagram.main(["--check"]) == 1
    assert diagram.main(["--write"]) == 0
    assert diagram.main(["--check"]) == 0


def test_every_state_and_every_fail_error_appears_in_the_diagram() -> None:
    definition = render.render(config.template_values())
    text = diagram.document()
    for name, state in render.iter_states(definition):
        assert f'"{name}' in text, name
        if state["Type"] == "Fail" and "Error" in state:
            assert state["Error"] in text
