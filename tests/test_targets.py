"""Unit tests of the CSV rules the prepare step (and the operator's check) apply."""

from __future__ import annotations

import pytest
from quicksight_deprovision import targets
from quicksight_deprovision.targets import CsvProblem, Target


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("taro@example.com", ""),
        ("Taro.Yamada+qs@sub.example.co.jp", ""),
        ("", "empty address"),
        ("   ", "empty address (only spaces)"),
        (" taro@example.com", "contains leading or trailing spaces; suggested fix: taro@example.com"),
        ("taro @example.com", "contains inner spaces; suggested fix: taro@example.com"),
        ("taro@example.com\u3000", "contains leading or trailing spaces; suggested fix: taro@example.com"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "full-width characters; suggested fix: taro@example.com"),
        ("山田@example.com", "non-ASCII characters in the address"),
        ("taroexample.com", "malformed address: it needs exactly one @"),
        ("taro@@example.com", "malformed address: it needs exactly one @"),
        ("taro@example", "malformed address"),
        ("taro@example..com", "malformed address"),
        (".taro@example.com", "malformed address"),
        ("taro@-example.com", "malformed address"),
    ],
)
def test_email_problem_names_what_is_wrong(raw: str, problem: str) -> None:
    assert targets.email_problem(raw) == problem


def test_every_valid_address_is_a_name_quicksight_accepts() -> None:
    for raw in ("a@b.co", "x_y-z.w+tag@example-mail.example.com", "o'brien@example.ie"):
        assert targets.email_problem(raw) == ""
        assert targets.quicksight_accepts("AWSReservedSSO_QuickSightReader_0123abcd/" + raw)
    assert not targets.quicksight_accepts("ｔａｒｏ@example.com")


def test_bom_crlf_and_blank_lines_are_read_as_rows_with_their_line_numbers() -> None:
    data = "\ufeffEmail ,name\r\n\r\na@example.com,A\r\n,,\r\n b@example.com,B\r\n".encode()
    rows = targets.read_targets(data)
    assert [(t.row, t.line, t.email) for t in rows] == [(1, 3, "a@example.com"), (2, 5, " b@example.com")]
    assert rows[1].problem.startswith("contains leading or trailing spaces")


def test_header_is_found_in_any_case_or_width() -> None:
    assert targets.email_column(["name", "ＥＭＡＩＬ"]) == 1
    assert targets.email_column([" Email "]) == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "CsvEmpty"),
        (b"\xef\xbb\xbf\r\n \r\n", "CsvEmpty"),
        ("email\n山田@example.com\n".encode("cp932"), "CsvNotUtf8"),
        (b"name,mail\nx,y\n", "CsvNoEmailColumn"),
        (b"email,Email\nx,y\n", "CsvNoEmailColumn"),
    ],
)
def test_unusable_files_raise_a_named_problem(data: bytes, code: str) -> None:
    with pytest.raises(CsvProblem) as err:
        targets.read_targets(data)
    assert err.value.code == code


def test_missing_email_column_lists_the_columns_found() -> None:
    with pytest.raises(CsvProblem, match="found 'name', 'mail'"):
        targets.read_targets(b"name,mail\nx,y\n")


def test_oversized_file_is_refused_not_half_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(targets, "MAX_BYTES", 10)
    with pytest.raises(CsvProblem) as err:
        targets.read_targets(b"email\na@example.com\n")
    assert err.value.code == "CsvTooLarge"


def test_short_row_without_the_email_cell_is_an_empty_address() -> None:
    rows = targets.read_targets(b"name,email\nTaro\n")
    assert [(t.email, t.problem) for t in rows] == [("", "empty address")]


def test_clean_copy_round_trips_quotes_commas_and_line_breaks() -> None:
    rows = [
        Target(1, 2, 'a"b,c@example.com', "malformed address"),
        Target(2, 3, "x\ny@example.com", ""),
        Target(3, 5, "ok@example.com", ""),
    ]
    text = targets.targets_csv(rows)
    assert text.count("\n") == 4  # header + one physical line per row
    back = targets.load_targets_csv(text)
    assert [(t.row, t.line) for t in back] == [(1, 2), (2, 3), (3, 5)]
    assert back[0].email == 'a"b,c@example.com'
    assert back[1].problem == "line break inside the address"
    assert back[2] == rows[2]


def test_duplicates_point_at_the_first_row_with_the_same_address() -> None:
    rows = [
        Target(1, 2, "a@x.com", ""),
        Target(2, 3, "b@x.com", ""),
        Target(3, 4, "a@x.com", ""),
        Target(4, 5, "", "empty address"),
        Target(5, 6, "", "empty address"),
        Target(6, 7, "a@x.com", ""),
    ]
    assert targets.duplicates(rows) == {3: 1, 6: 1}


def test_ten_thousand_rows_parse_quickly() -> None:
    import time

    data = ("email\r\n" + "".join(f"user{i}@example.com\r\n" for i in range(10_000))).encode()
    start = time.perf_counter()
    rows = targets.read_targets(data)
    assert len(rows) == 10_000 and rows[-1].row == 10_000 and not any(t.problem for t in rows)
    assert time.perf_counter() - start < 2.0
