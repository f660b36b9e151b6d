"""`qsdeprov check`: one fixture file per mistake class an operator makes in the target CSV."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from qsdeprov import check, cli

FIXTURES = Path(__file__).parent / "fixtures" / "check"


def run_check(*args: str | Path) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["check", *map(str, args)], out=out)
    return code, out.getvalue()


# (fixture, exit code, finding code, line the finding points at or None for the whole file)
CASES = [
    ("missing_column.csv", 2, "CsvNoEmailColumn", 1),
    ("bom.csv", 0, "BOM", 1),
    ("crlf.csv", 0, "CRLF", None),
    ("blank_lines.csv", 0, "BLANK_LINE", 3),
    ("fullwidth.csv", 1, "INVALID_EMAIL", 3),
    ("spaces.csv", 1, "INVALID_EMAIL", 2),
    ("malformed.csv", 1, "INVALID_EMAIL", 2),
    ("duplicates.csv", 1, "DUPLICATE", 4),
    ("upper_case.csv", 1, "UPPER_CASE", 2),
    ("shift_jis.csv", 2, "CsvNotUtf8", None),
    ("empty.csv", 2, "CsvEmpty", None),
    ("header_only.csv", 1, "NO_ROWS", None),
]


@pytest.mark.parametrize(("name", "exit_code", "code", "line"), CASES, ids=[c[0] for c in CASES])
def test_check_reports_each_mistake_class_with_its_line(name: str, exit_code: int, code: str, line: int | None) -> None:
    status, output = run_check(FIXTURES / name)
    assert status == exit_code
    where = f"line {line}" if line is not None else "file"
    assert any(code in out_line and where in out_line for out_line in output.splitlines()), output


def test_a_clean_file_passes_with_exit_code_zero() -> None:
    status, output = run_check(FIXTURES / "clean.csv")
    assert status == 0
    assert output.startswith("OK: 2 rows")


def test_strict_mode_fails_on_notes_such_as_a_bom() -> None:
    assert run_check(FIXTURES / "bom.csv", "--strict")[0] == 1


def test_blank_lines_are_each_reported_and_are_not_rows() -> None:
    _, output = run_check(FIXTURES / "blank_lines.csv")
    assert [ln.split()[2] for ln in output.splitlines() if "BLANK_LINE" in ln] == ["3", "4", "6"]
    assert "2 rows" in output


def test_full_width_and_spaced_addresses_get_the_folded_address_as_fix() -> None:
    _, output = run_check(FIXTURES / "fullwidth.csv")
    assert "fix: write hanako.sato@co-op.example" in output
    assert "fix: write ken.ito@co-op.example" in output
    _, output = run_check(FIXTURES / "spaces.csv")
    for address in ("taro.yamada", "hanako.sato", "ken.ito", "yoko.abe"):
        assert f"fix: write {address}@co-op.example" in output


def test_missing_email_column_suggests_renaming_the_lookalike_column() -> None:
    _, output = run_check(FIXTURES / "missing_column.csv")
    assert "rename the column 'e-mail' to 'email'" in output


def test_case_variant_duplicates_are_a_warning() -> None:
    _, output = run_check(FIXTURES / "upper_case.csv")
    assert "CASE_DUPLICATE" in output and "line 3" in output


def test_fix_writes_a_clean_utf8_lf_file_and_lists_what_it_could_not_fix(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(
        "\ufeffname,email\r\nA, taro.yamada@co-op.example\r\n\r\n"
        "B,ｈａｎａｋｏ．ｓａｔｏ＠ｃｏ－ｏｐ．ｅｘａｍｐｌｅ\r\n"
        "C,taro.yamada@co-op.example\r\nD,ken.ito@@co-op.example\r\n".encode()
    )
    out = tmp_path / "out.csv"
    status, output = run_check(source, "--fix", out)
    assert status == 1
    assert out.read_bytes() == b"email\ntaro.yamada@co-op.example\nhanako.sato@co-op.example\n"
    assert "NOT written, fix by hand: line 6 'ken.ito@@co-op.example'" in output
    # The cleaned file is clean.
    assert run_check(out)[0] == 0


def test_fix_converts_a_shift_jis_file_to_utf8(tmp_path: Path) -> None:
    out = tmp_path / "utf8.csv"
    status, _ = run_check(FIXTURES / "shift_jis.csv", "--fix", out)
    assert status == 2  # the input itself would still be refused
    assert out.read_text(encoding="utf-8") == "email\ntaro.yamada@co-op.example\n"


def test_fix_never_overwrites_the_input(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    original = b"email\n taro.yamada@co-op.example\n"
    source.write_bytes(original)
    status, output = run_check(source, "--fix", source)
    assert status == 2
    assert "refusing to overwrite the input" in output
    assert source.read_bytes() == original


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    status, output = run_check(tmp_path / "nope.csv")
    assert status == 2 and "cannot read" in output


def test_ten_thousand_clean_rows_are_checked_quickly() -> None:
    data = ("email\n" + "".join(f"user{i:05d}.name@co-op.example\n" for i in range(10_000))).encode()
    started = time.perf_counter()
    result = check.check_bytes(data)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0 and len(result.rows) == 10_000 and len(result.clean) == 10_000
    assert elapsed < 2.0, f"{elapsed:.2f} s"
