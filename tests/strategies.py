"""Hypothesis strategies and an independent oracle for the property tests.

The generators only produce addresses that are clearly valid or clearly invalid, and each row
carries that verdict, so the oracle never re-implements the product's e-mail rules (and never
imports ``quicksight_deprovision.report``). Importing this module registers two hypothesis
profiles: ``ci`` (default: few examples, no shrinking) and ``thorough`` (``make property``,
selected with ``HYPOTHESIS_PROFILE=thorough``).
"""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# ------------------------------------------------------------------ profiles
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile(
    "ci",
    max_examples=8,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    # One example is a few seconds of moto: shrinking a failure could take many minutes in CI.
    # The failing example is still printed in full (and replayable with the printed blob).
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=120,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# ------------------------------------------------------------------ vocabulary
ROLES = (
    "READER",
    "AUTHOR",
    "ADMIN",
    "READER_PRO",
    "AUTHOR_PRO",
    "ADMIN_PRO",
    "RESTRICTED_READER",
    "RESTRICTED_AUTHOR",
)
IDENTITY_TYPES = ("IAM", "QUICKSIGHT")
#: user_name_prefix values the module is deployed with.
DEPLOY_PREFIXES = ("", "AWSReservedSSO_QuickSightReader_0123abcd/", "qs-")
#: Prefixes of users that another module instance (or a person) created: never ours.
FOREIGN_PREFIXES = ("", "AWSReservedSSO_QuickSightAuthor_99ffee00/", "other/")
DOMAINS = ("example.com", "corp.example.co.jp", "x.org")

DELETED, WOULD_DELETE, NOT_FOUND, PROTECTED, INVALID_EMAIL, FAILED = (
    "DELETED",
    "WOULD_DELETE",
    "NOT_FOUND",
    "PROTECTED",
    "INVALID_EMAIL",
    "FAILED",
)
STATUSES = (DELETED, WOULD_DELETE, NOT_FOUND, PROTECTED, INVALID_EMAIL, FAILED)


@dataclass(frozen=True)
class Member:
    """A QuickSight user of the random population."""

    name: str
    email: str
    role: str
    identity_type: str


@dataclass(frozen=True)
class Row:
    """One CSV data row: the e-mail cell exactly as written, and whether it is a usable address."""

    email: str
    valid: bool
    kind: str  # how the generator made it (for failure messages)


@dataclass(frozen=True)
class Scenario:
    prefix: str
    deletable_roles: tuple[str, ...]
    members: tuple[Member, ...]
    rows: tuple[Row, ...]
    data: bytes  # the CSV file as uploaded
    lines: tuple[int, ...]  # physical line of each data row (header = line 1)

    def population(self) -> dict[str, str]:
        return {m.name: m.role for m in self.members}


# ------------------------------------------------------------------ addresses
_LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
_word = st.text(alphabet=_LOCAL_CHARS, min_size=1, max_size=5)


@st.composite
def valid_addresses(draw: st.DrawFn) -> str:
    """Clearly valid: ``word(.word)*(+tag)?@domain`` in lower case."""
    words = draw(st.lists(_word, min_size=1, max_size=2))
    tag = draw(st.sampled_from(["", "", "+qs", "_x", "-1"]))
    return ".".join(words) + tag + "@" + draw(st.sampled_from(DOMAINS))


def _full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


@st.composite
def invalid_from(draw: st.DrawFn, address: str) -> tuple[str, str]:
    """A clearly invalid variant of a valid ``address``, and the kind of damage."""
    local, domain = address.split("@")
    kind = draw(
        st.sampled_from(
            [
                "full-width",
                "space",
                "ideographic-space",
                "no-at",
                "two-at",
                "no-local",
                "no-domain",
                "no-dot",
                "double-dot",
                "leading-dot",
                "comma",
                "non-ascii",
                "empty",
                "blank-cell",
            ]
        )
    )
    i = draw(st.integers(0, len(address) - 1))
    damaged = {
        "full-width": address[:i] + _full_width(address[i]) + address[i + 1 :],
        "space": draw(st.sampled_from([" " + address, address + " ", f"{local} @{domain}"])),
        "ideographic-space": address + "\u3000",
        "no-at": local + domain,
        "two-at": f"{local}@@{domain}",
        "no-local": "@" + domain,
        "no-domain": local + "@",
        "no-dot": f"{local}@{domain.split('.')[0]}",
        "double-dot": f"{local}..x@{domain}",
        "leading-dot": f".{local}@{domain}",
        "comma": f"{local},x@{domain}",
        "non-ascii": f"{local}\u00e9@{domain}",
        "empty": "",
        "blank-cell": "   ",
    }[kind]
    return damaged, kind


# ------------------------------------------------------------------ scenarios
@st.composite
def deletable_roles(draw: st.DrawFn) -> tuple[str, ...]:
    if draw(st.booleans()):
        return ("READER",)  # the module default
    return tuple(draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True)))


@st.composite
def members(draw: st.DrawFn, pool: Sequence[str], prefix: str) -> tuple[Member, ...]:
    """Users for some addresses of ``pool``: ours (``prefix + email``), foreign-prefixed, or case variants."""
    out: dict[str, Member] = {}
    for email in pool:
        forms = draw(st.lists(st.sampled_from(["ours", "ours", "foreign", "upper"]), max_size=2, unique=True))
        for form in forms:
            if form == "ours":
                name = prefix + email
            elif form == "upper":
                name = prefix + email.upper()
            else:
                name = draw(st.sampled_from([p for p in FOREIGN_PREFIXES if p != prefix])) + email
            role = draw(st.sampled_from(ROLES[:3]) | st.sampled_from(ROLES))
            out.setdefault(name, Member(name, email, role, draw(st.sampled_from(IDENTITY_TYPES))))
    return tuple(out.values())


@st.composite
def rows(draw: st.DrawFn, pool: Sequence[str], max_rows: int) -> tuple[Row, ...]:
    out: list[Row] = []
    for _ in range(draw(st.integers(1, max_rows))):
        kind = draw(st.sampled_from(["existing", "existing", "missing", "case", "invalid", "repeat"]))
        if kind == "repeat" and out:
            out.append(draw(st.sampled_from(out)))
        elif kind == "missing":
            out.append(Row(draw(valid_addresses()), True, "missing"))
        elif kind == "case":
            email = draw(st.sampled_from(pool))
            out.append(Row(draw(st.sampled_from([email.upper(), email.capitalize()])), True, "case"))
        elif kind == "invalid":
            damaged, how = draw(invalid_from(draw(st.sampled_from(pool))))
            out.append(Row(damaged, False, how))
        else:
            out.append(Row(draw(st.sampled_from(pool)), True, "existing"))
    return tuple(out)


@st.composite
def csv_files(draw: st.DrawFn, data_rows: Sequence[Row]) -> tuple[bytes, tuple[int, ...]]:
    """The CSV as an operator's tool writes it: header variants, blank lines, BOM, CRLF."""
    header = draw(st.sampled_from(["email", "Email", "EMAIL", " email ", "\uff45\uff4d\uff41\uff49\uff4c"]))
    email_first = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))

    def line(email: str, name: str) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([email, name] if email_first else [name, email])
        return out.getvalue()

    text_lines = [line(header, "name")]
    lines: list[int] = []
    for i, row in enumerate(data_rows):
        for _ in range(draw(st.integers(0, 1)) * draw(st.integers(1, 2))):
            text_lines.append(draw(st.sampled_from(["", ",", " , "])))
        text_lines.append(line(row.email, f"user {i + 1}"))
        lines.append(len(text_lines))
    text = newline.join(text_lines) + draw(st.sampled_from(["", newline, newline + newline]))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8"), tuple(lines)


@st.composite
def scenarios(draw: st.DrawFn, max_rows: int = 10) -> Scenario:
    prefix = draw(st.sampled_from(DEPLOY_PREFIXES))
    pool = draw(st.lists(valid_addresses(), min_size=1, max_size=6, unique=True))
    population = draw(members(pool, prefix))
    data_rows = draw(rows(pool, max_rows))
    data, lines = draw(csv_files(data_rows))
    return Scenario(prefix, draw(deletable_roles()), population, data_rows, data, lines)


# ------------------------------------------------------------------ oracle
def expected_statuses(
    rows_: Sequence[Row], population: Mapping[str, str], prefix: str, deletable: Iterable[str], dry_run: bool
) -> list[str]:
    """What each row must end as. Duplicates of a deletable user are all DELETED here:
    :func:`resolve_duplicates` turns all but one of them into NOT_FOUND."""
    allowed = set(deletable)
    out = []
    for r in rows_:
        role = population.get(prefix + r.email)
        if not r.valid:
            out.append(INVALID_EMAIL)
        elif role is None:
            out.append(NOT_FOUND)
        elif role not in allowed:
            out.append(PROTECTED)
        else:
            out.append(WOULD_DELETE if dry_run else DELETED)
    return out


def expected_deleted(scn: Scenario, population: Mapping[str, str]) -> set[str]:
    """Names a real run must delete: valid rows whose derived name is a deletable user."""
    allowed = set(scn.deletable_roles)
    return {scn.prefix + r.email for r in scn.rows if r.valid and population.get(scn.prefix + r.email) in allowed}


def status_mismatches(rows_: Sequence[Row], expected: Sequence[str], actual: Sequence[str]) -> list[str]:
    """Differences between expected and actual statuses, allowing the DELETED race between duplicates:
    of the rows of one address expected DELETED, exactly one is DELETED and the others NOT_FOUND."""
    problems: list[str] = []
    if len(expected) != len(actual):
        return [f"{len(actual)} report rows for {len(expected)} CSV rows"]
    groups: dict[str, list[int]] = {}
    for i, (r, want) in enumerate(zip(rows_, expected, strict=True)):
        if want == DELETED:
            groups.setdefault(r.email, []).append(i)
        elif actual[i] != want:
            problems.append(f"row {i + 1} {r.email!r} ({r.kind}): expected {want}, got {actual[i]}")
    for email, idx in groups.items():
        got = Counter(actual[i] for i in idx)
        if got != Counter({DELETED: 1, NOT_FOUND: len(idx) - 1}) - Counter():
            where = f"rows {[i + 1 for i in idx]} {email!r}"
            problems.append(f"{where}: expected one DELETED, the rest NOT_FOUND; got {dict(got)}")
    return problems


def in_report(cell: str) -> str:
    """A cell as report.csv shows it: text that Excel would run as a formula gets a leading quote."""
    return "'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell


def counts(statuses: Iterable[str]) -> dict[str, int]:
    c = Counter(statuses)
    return {s: c.get(s, 0) for s in STATUSES}
