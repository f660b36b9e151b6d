"""Pre-flight check of a target CSV, offline, with the state machine's own rules.

Every rule that decides a row's fate comes from ``quicksight_deprovision.targets`` (the code the
export Lambda runs), so ``check`` predicts what the state machine will do. On top of that it
points out what the state machine tolerates but a person should know about (BOM, CRLF, blank
lines) and what it cannot judge (upper-case letters, addresses that differ only in case).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from quicksight_deprovision import targets

#: Severity of a finding. ``error``: the row or file will not be processed as intended;
#: ``warning``: probably wrong, a person must decide; ``note``: handled, for information.
ERROR, WARNING, NOTE = "error", "warning", "note"


@dataclass(frozen=True)
class Finding:
    severity: str
    code: str
    line: int | None  # physical line in the file (1 = header); None for the whole file
    message: str
    fix: str = ""

    def render(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        fix = f"\n      fix: {self.fix}" if self.fix else ""
        return f"{self.severity.upper():7} {where:>10}  {self.code}: {self.message}{fix}"


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    rows: list[targets.Target] = field(default_factory=list)
    clean: list[str] = field(default_factory=list)  # addresses a --fix file would contain
    unfixable: list[targets.Target] = field(default_factory=list)
    fatal: bool = False  # the state machine would refuse the whole file
    encoding: str = "utf-8"

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def exit_code(self) -> int:
        """0: every row goes to QuickSight as written; 1: rows need attention; 2: the file is refused."""
        if self.fatal:
            return 2
        return 1 if self.count(ERROR) or self.count(WARNING) else 0


def _header_hint(text: str) -> str:
    first = next(csv.reader(io.StringIO(text)), [])
    guesses = [h for h in first if "mail" in targets.normalise_header(h) or "メール" in h]
    if guesses:
        return f"rename the column {guesses[0]!r} to 'email' (first line of the file)"
    return "add a first line naming the columns, for example: email"


def _decode(data: bytes, result: CheckResult) -> str | None:
    """The text, or None after recording why the file cannot be used (Shift_JIS is recognised)."""
    try:
        return targets.decode(data)
    except targets.CsvProblem as exc:
        if exc.code == "CsvNotUtf8":
            try:
                text = data.decode("cp932")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                result.encoding = "shift_jis"
                result.fatal = True
                result.findings.append(
                    Finding(
                        ERROR,
                        exc.code,
                        None,
                        "the file is Shift_JIS (Excel's plain 'CSV'), not UTF-8; the state machine would refuse it",
                        "in Excel: Save As > 'CSV UTF-8 (Comma delimited)', or use --fix to write a UTF-8 copy",
                    )
                )
                return text.lstrip("\ufeff")
        result.fatal = True
        result.findings.append(Finding(ERROR, exc.code, None, exc.message))
        return None


def _format_notes(data: bytes, text: str) -> list[Finding]:
    notes = []
    if data.startswith(b"\xef\xbb\xbf"):
        notes.append(
            Finding(NOTE, "BOM", 1, "the file starts with a UTF-8 byte order mark (Excel adds it); it is ignored")
        )
    crlf = data.count(b"\r\n")
    if crlf:
        notes.append(Finding(NOTE, "CRLF", None, f"{crlf} lines end with CRLF (Windows line ends); they are accepted"))
    for number, line in enumerate(text.splitlines(), start=1):
        if number > 1 and line.replace(",", "").strip() == "":
            notes.append(Finding(NOTE, "BLANK_LINE", number, "blank line (or only commas): skipped, it is not a row"))
    return notes


def _row_findings(rows: list[targets.Target]) -> list[Finding]:
    findings: list[Finding] = []
    exact = targets.duplicates(rows)
    first_lower: dict[str, targets.Target] = {}
    for t in rows:
        if t.problem:
            fix = targets.suggested_fix(t.email)
            findings.append(
                Finding(
                    ERROR,
                    "INVALID_EMAIL",
                    t.line,
                    f"{t.email!r}: {t.problem}",
                    f"write {fix}" if fix else "correct the address by hand (or delete the row)",
                )
            )
        if t.row in exact:
            first = next(r for r in rows if r.row == exact[t.row])
            findings.append(
                Finding(
                    ERROR,
                    "DUPLICATE",
                    t.line,
                    f"{t.email!r} is already on line {first.line}",
                    "delete this row (the second one would end NOT_FOUND or a second WOULD_DELETE)",
                )
            )
            continue
        if t.problem or not t.email:
            continue
        if t.email != t.email.lower():
            findings.append(
                Finding(
                    WARNING,
                    "UPPER_CASE",
                    t.line,
                    f"{t.email!r} has upper-case letters; the user name must match QuickSight's exactly",
                    f"check the user's name in QuickSight; probably {t.email.lower()}",
                )
            )
        key = t.email.lower()
        if key in first_lower and first_lower[key].email != t.email:
            findings.append(
                Finding(
                    WARNING,
                    "CASE_DUPLICATE",
                    t.line,
                    f"{t.email!r} differs from line {first_lower[key].line} ({first_lower[key].email!r}) only in case",
                    "keep the one spelled like the QuickSight user name",
                )
            )
        first_lower.setdefault(key, t)
    return findings


def cleaned_addresses(rows: list[targets.Target]) -> tuple[list[str], list[targets.Target]]:
    """Addresses for a cleaned file (NFKC, trimmed, de-duplicated, order kept) and the rows that cannot be fixed."""
    out: list[str] = []
    seen: set[str] = set()
    unfixable: list[targets.Target] = []
    for t in rows:
        email = t.email if not t.problem else targets.suggested_fix(t.email)
        if not email:
            unfixable.append(t)
            continue
        if email not in seen:
            seen.add(email)
            out.append(email)
    return out, unfixable


def check_bytes(data: bytes) -> CheckResult:
    result = CheckResult()
    text = _decode(data, result)
    if text is None:
        return result
    try:
        result.rows = targets.parse(text)
    except targets.CsvProblem as exc:
        hint = _header_hint(text) if exc.code == "CsvNoEmailColumn" else ""
        result.fatal = True
        result.findings.append(Finding(ERROR, exc.code, 1 if hint else None, exc.message, hint))
        return result
    result.findings += _format_notes(data, text) + _row_findings(result.rows)
    if not result.rows:
        result.findings.append(Finding(ERROR, "NO_ROWS", None, "the file has a header but no data rows: nothing to do"))
    result.clean, result.unfixable = cleaned_addresses(result.rows)
    return result


def clean_csv(addresses: list[str]) -> bytes:
    """Header ``email``, UTF-8 without BOM, LF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([targets.EMAIL_COLUMN])
    writer.writerows([a] for a in addresses)
    return out.getvalue().encode("utf-8")


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


def summary_line(result: CheckResult) -> str:
    n_err, n_warn, n_note = result.count(ERROR), result.count(WARNING), result.count(NOTE)
    counts = f"{len(result.rows)} rows: {n_err} errors, {n_warn} warnings, {n_note} notes"
    if result.fatal:
        return f"REFUSED: the state machine would stop with the error above before touching any user ({counts})."
    if result.exit_code:
        return f"NOT CLEAN: {counts}. Rows with errors end INVALID_EMAIL (or NOT_FOUND for duplicates)."
    return f"OK: {counts}. Every row will be looked up in QuickSight as written."
