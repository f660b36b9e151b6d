"""`make demo`: the summary's counts match what the seeded population and target CSV imply.

The expected statuses are computed here from the generated files with an independent rule
(a plain address regex and the population's roles), not from the product's code or output.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

from qsdeprov import demo, population

_PLAIN_ADDRESS = re.compile(r"[a-z0-9]+(\.[a-z0-9]+)*@[a-z0-9-]+(\.[a-z0-9-]+)+")


def expected_statuses(population_csv: Path, targets_csv: Path, dry_run: bool) -> list[str]:
    roles = {r["email"]: r["role"] for r in csv.DictReader(io.StringIO(population_csv.read_text(encoding="utf-8")))}
    text = targets_csv.read_bytes().decode("utf-8-sig")
    deleted: set[str] = set()
    out = []
    for row in csv.DictReader(io.StringIO(text, newline="")):
        if all(not (v or "").strip() for v in row.values()):
            continue  # blank line
        email = row["email"]
        if not _PLAIN_ADDRESS.fullmatch(email):
            out.append("INVALID_EMAIL")
        elif email not in roles or email in deleted:
            out.append("NOT_FOUND")
        elif roles[email] != "READER":
            out.append("PROTECTED")
        elif dry_run:
            out.append("WOULD_DELETE")
        else:
            deleted.add(email)
            out.append("DELETED")
    return out


def test_small_demo_counts_match_the_seeded_population(tmp_path: Path) -> None:
    result, output = demo.capture(out_dir=tmp_path / "demo", readers=60, authors=3, admins=2, rows=45, seed=7)
    files = result.files
    expected = expected_statuses(files["population"], files["targets"], dry_run=False)
    assert result.exit_code == 0, output
    assert result.summary is not None
    assert result.summary["counts"] == {**dict.fromkeys(result.summary["counts"], 0), **Counter(expected)}
    assert result.summary["totalRows"] == len(expected)
    # Every mistake class of the brief is in the generated CSV.
    assert {"DELETED", "NOT_FOUND", "PROTECTED", "INVALID_EMAIL"} <= set(expected)
    # Only Readers were deleted, exactly as many as the report says.
    assert result.roles_before - result.roles_after == Counter({"READER": Counter(expected)["DELETED"]})
    for name in ("population", "targets", "report", "summary"):
        assert files[name].is_file(), name
    report_rows = list(csv.DictReader(io.StringIO(files["report"].read_bytes().decode("utf-8-sig"))))
    assert len(report_rows) == len(expected)
    # Per address (duplicate rows run in parallel: which of them is DELETED is a race, not an order).
    per_address: dict[str, Counter[str]] = {}
    for row, status in zip(report_rows, expected, strict=True):
        per_address.setdefault(row["email"], Counter())[status] += 1
    assert {e: Counter(r["status"] for r in report_rows if r["email"] == e) for e in per_address} == per_address
    assert json.loads(files["summary"].read_text(encoding="utf-8")) == result.summary
    assert "DELETED" in output and str(files["report"]) in output


def test_demo_dry_run_deletes_nobody(tmp_path: Path) -> None:
    result, _ = demo.capture(out_dir=tmp_path, readers=30, authors=2, admins=1, rows=20, seed=3, dry_run=True)
    expected = expected_statuses(result.files["population"], result.files["targets"], dry_run=True)
    assert result.summary is not None
    assert {k: v for k, v in result.summary["counts"].items() if v} == dict(Counter(expected))
    assert result.roles_after == result.roles_before


def test_demo_replays_your_own_population_and_targets(tmp_path: Path) -> None:
    pop = tmp_path / "mine.csv"
    pop.write_text(
        "user_name,email,role\nme@corp.example,me@corp.example,READER\nceo@corp.example,ceo@corp.example,ADMIN\n",
        encoding="utf-8",
    )
    tgt = tmp_path / "targets.csv"
    tgt.write_text("email,note\nme@corp.example,left\nceo@corp.example,\nｘ@corp.example,\n", encoding="utf-8")
    result, _ = demo.capture(population_file=pop, targets_file=tgt, out_dir=tmp_path / "out")
    assert result.summary is not None
    assert {k: v for k, v in result.summary["counts"].items() if v} == {
        "DELETED": 1,
        "PROTECTED": 1,
        "INVALID_EMAIL": 1,
    }


def test_default_demo_matches_the_brief_population(tmp_path: Path) -> None:
    """The full `make demo` (2,226 users, 900 rows): about 20 s here, so it runs in the normal suite."""
    result, output = demo.capture(out_dir=tmp_path)
    assert result.roles_before == Counter({"READER": 2200, "AUTHOR": 16, "ADMIN": 10})
    expected = Counter(expected_statuses(result.files["population"], result.files["targets"], dry_run=False))
    assert result.summary is not None and result.summary["totalRows"] == 900
    assert {k: v for k, v in result.summary["counts"].items() if v} == dict(expected)
    assert result.seconds < 120, output


def test_generated_targets_have_the_file_level_mistakes_of_a_hand_made_csv() -> None:
    users = population.generate_population(readers=50, authors=2, admins=1, seed=1)
    data = population.targets_file_bytes(population.generate_targets(users, rows=40, seed=1), seed=1)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\r\n\r\n" in data
