"""Read the operator's target CSV: pure functions, no AWS.

The state machine's Map reads a clean copy written from :func:`targets_csv`, one line per data
row, so row numbers survive BOM, CRLF, blank lines and odd quoting. The operator CLI's ``check``
uses the same functions, so what it reports is what the state machine will do.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

EMAIL_COLUMN = "email"
#: Columns of the clean copy the Map reads.
TARGET_COLUMNS = ("row", "line", "email", "problem")
#: A larger file is refused rather than half-read (about 100x a real monthly list).
MAX_BYTES = 20 * 1024 * 1024

# The local part allows the RFC 5322 "atext" characters; the domain needs at least one dot.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
# QuickSight validates UserName against this before any lookup.
_QUICKSIGHT_NAME = re.compile(r"^[\u0020-\u00FF]+$")


class CsvProblem(ValueError):
    """The file cannot be used at all; ``code`` is the error name the execution fails with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Target:
    row: int  # 1 = first data row after the header
    line: int  # physical line in the file, for humans
    email: str  # exactly as written in the file
    problem: str  # "" when the address may be sent to QuickSight


def _has_wide_or_nonascii(value: str) -> bool:
    return any(ord(ch) > 0x7E for ch in value)


def suggested_fix(raw: str) -> str:
    """The address with full-width characters folded (NFKC) and spaces removed, if that is valid."""
    fixed = "".join(unicodedata.normalize("NFKC", raw).split())
    return fixed if fixed != raw and _EMAIL.match(fixed) else ""


def email_problem(raw: str) -> str:
    """Why ``raw`` cannot be a QuickSight user's address, or "" when it can."""
    if raw == "":
        return "empty address"
    if raw.strip() == "":
        return "empty address (only spaces)"
    fix = suggested_fix(raw)
    hint = f"; suggested fix: {fix}" if fix else ""
    if any(ch.isspace() for ch in raw):
        where = "leading or trailing" if raw.strip() != raw else "inner"
        return f"contains {where} spaces{hint}"
    if _has_wide_or_nonascii(raw):
        return f"full-width characters{hint}" if fix else "non-ASCII characters in the address"
    if raw.count("@") != 1:
        return "malformed address: it needs exactly one @"
    if not _EMAIL.match(raw):
        return "malformed address"
    return ""


def quicksight_accepts(user_name: str) -> bool:
    """True when QuickSight's documented UserName pattern accepts ``user_name``."""
    return bool(_QUICKSIGHT_NAME.match(user_name))


def decode(data: bytes) -> str:
    """UTF-8 text without BOM; a clear :class:`CsvProblem` for anything else."""
    if len(data) > MAX_BYTES:
        raise CsvProblem(
            "CsvTooLarge",
            f"The CSV has {len(data)} bytes; the limit is {MAX_BYTES}. Split it into several files.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvProblem(
            "CsvNotUtf8",
            f"The CSV is not UTF-8 (byte {exc.start}). In Excel use Save As > 'CSV UTF-8 (Comma delimited)'.",
        ) from exc
    if text.strip("\ufeff \t\r\n\u3000") == "":
        raise CsvProblem("CsvEmpty", "The CSV is empty: it needs a header row with an 'email' column.")
    return text.lstrip("\ufeff")


def normalise_header(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower()


def email_column(header: list[str]) -> int:
    """Index of the ``email`` column (case, spaces and full-width letters tolerated)."""
    names = [normalise_header(h) for h in header]
    if names.count(EMAIL_COLUMN) > 1:
        raise CsvProblem("CsvNoEmailColumn", "The header row has more than one 'email' column.")
    if EMAIL_COLUMN not in names:
        found = ", ".join(repr(h) for h in header) or "nothing"
        raise CsvProblem(
            "CsvNoEmailColumn",
            f"The header row has no 'email' column (found {found}). "
            "The first line must name the columns, one of them 'email'.",
        )
    return names.index(EMAIL_COLUMN)


def parse(text: str) -> list[Target]:
    """Every data row of the CSV text, in order; blank lines are not rows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:  # pragma: no cover - decode() refuses empty text
        raise CsvProblem("CsvEmpty", "The CSV is empty.") from None
    except csv.Error as exc:
        raise CsvProblem("CsvMalformed", f"The header row cannot be read as CSV: {exc}.") from exc
    column = email_column(header)
    targets: list[Target] = []
    try:
        for fields in reader:
            if all(f.strip() == "" for f in fields):
                continue  # blank line, or a line of empty cells
            email = fields[column] if column < len(fields) else ""
            targets.append(Target(len(targets) + 1, reader.line_num, email, email_problem(email)))
    except csv.Error as exc:
        raise CsvProblem("CsvMalformed", f"Line {reader.line_num} cannot be read as CSV: {exc}.") from exc
    return targets


def read_targets(data: bytes) -> list[Target]:
    return parse(decode(data))


def targets_csv(targets: list[Target]) -> str:
    """The clean copy the Map reads: header ``row,line,email,problem``, one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TARGET_COLUMNS)
    for t in targets:
        # A line break inside a quoted field would still be one CSV record, but keep the
        # copy one-record-per-line so that any CSV reader counts the same rows.
        email = t.email.replace("\r", "\\r").replace("\n", "\\n")
        problem = t.problem or ("" if email == t.email else "line break inside the address")
        writer.writerow((t.row, t.line, email, problem))
    return out.getvalue()


def load_targets_csv(text: str) -> list[Target]:
    """Read back the clean copy written by :func:`targets_csv`."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [Target(int(r["row"]), int(r["line"]), r["email"], r["problem"]) for r in reader]


def duplicates(targets: list[Target]) -> dict[int, int]:
    """Row number -> the earlier row with the same address, for every repeated address."""
    first: dict[str, int] = {}
    dup: dict[int, int] = {}
    for t in targets:
        if t.email == "":
            continue
        if t.email in first:
            dup[t.row] = first[t.email]
        else:
            first[t.email] = t.row
    return dup
