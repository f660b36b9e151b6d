"""A realistic synthetic QuickSight population and a hand-made-looking target CSV.

Deterministic (seeded), so the demo and its test see the same people every time. The default
sizes are the brief's: about 2,200 Readers, 16 Authors, 10 Admins, and a ~900-row target CSV
with the mistakes operators really make (typos, full-width characters, spaces, users already
deleted by hand, an Admin and an Author, duplicates, blank lines, BOM, CRLF).

Files: the population CSV has the columns ``user_name,email,role``; the target CSV is any CSV
with an ``email`` column (the generated one also has ``name`` and ``department``).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

POPULATION_COLUMNS = ("user_name", "email", "role")
DOMAIN = "co-op.example"  # .example is reserved (RFC 2606): never a real mailbox

FAMILY = [
    "sato",
    "suzuki",
    "takahashi",
    "tanaka",
    "watanabe",
    "ito",
    "yamamoto",
    "nakamura",
    "kobayashi",
    "kato",
    "yoshida",
    "yamada",
    "sasaki",
    "yamaguchi",
    "matsumoto",
    "inoue",
    "kimura",
    "hayashi",
    "shimizu",
    "yamazaki",
    "mori",
    "abe",
    "ikeda",
    "hashimoto",
    "yamashita",
    "ishikawa",
    "nakajima",
    "maeda",
    "fujita",
    "ogawa",
    "goto",
    "okada",
    "hasegawa",
    "murakami",
    "kondo",
    "ishii",
    "saito",
    "sakamoto",
    "endo",
    "aoki",
    "fujii",
    "nishimura",
    "fukuda",
    "ota",
    "miura",
    "fujiwara",
    "okamoto",
    "matsuda",
    "nakagawa",
]
GIVEN = [
    "hiroshi",
    "takashi",
    "akira",
    "makoto",
    "tsuyoshi",
    "kenji",
    "daisuke",
    "shota",
    "yuta",
    "kazuki",
    "ryota",
    "naoki",
    "yusuke",
    "takuya",
    "kenta",
    "sho",
    "haruto",
    "sota",
    "yuki",
    "kaito",
    "yoko",
    "keiko",
    "yumiko",
    "naoko",
    "tomoko",
    "akiko",
    "sachiko",
    "yuko",
    "mayumi",
    "kumiko",
    "megumi",
    "ai",
    "yui",
    "haruka",
    "misaki",
    "nanami",
    "aoi",
    "hina",
    "sakura",
    "rin",
    "yuna",
    "mio",
    "kaori",
    "emi",
    "ayumi",
    "nozomi",
    "chie",
]
DEPARTMENTS = ("店舗運営部", "商品部", "物流センター", "経理部", "人事部", "情報システム部", "宅配事業部", "本部")
KANJI_FAMILY = ("佐藤", "鈴木", "高橋", "田中", "渡辺", "伊藤", "山本", "中村", "小林", "加藤")
KANJI_GIVEN = ("太郎", "花子", "健", "陽子", "翔太", "美咲", "大輔", "恵", "直樹", "優子")


@dataclass(frozen=True)
class User:
    user_name: str
    email: str
    role: str


@dataclass(frozen=True)
class TargetRow:
    """One line the generator wrote into the target CSV and the mistake it planted there."""

    email: str
    kind: str  # inactive, duplicate, typo, deleted, fullwidth, space, malformed, admin, author


def _addresses(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct addresses like ``taro.yamada@co-op.example`` (numbered when names clash)."""
    seen: dict[str, int] = {}
    out: list[str] = []
    while len(out) < count:
        base = f"{rng.choice(GIVEN)}.{rng.choice(FAMILY)}"
        n = seen.get(base, 0) + 1
        seen[base] = n
        out.append(f"{base}{n if n > 1 else ''}@{DOMAIN}")
    return out


def generate_population(
    readers: int = 2200, authors: int = 16, admins: int = 10, seed: int = 20250501, user_name_prefix: str = ""
) -> list[User]:
    rng = random.Random(seed)
    emails = _addresses(rng, readers + authors + admins)
    roles = ["ADMIN"] * admins + ["AUTHOR"] * authors + ["READER"] * readers
    return [User(user_name_prefix + e, e, r) for e, r in zip(emails, roles, strict=True)]


def _typo(rng: random.Random, email: str) -> str:
    """A plausible slip that still looks like an address: swapped, dropped or doubled letter."""
    local, domain = email.split("@")
    i = rng.randrange(1, len(local) - 1)
    if local[i] == "." or local[i - 1] == ".":
        return f"{local}x@{domain}"
    choice = rng.randrange(3)
    if choice == 0 and local[i] != local[i - 1]:
        return f"{local[: i - 1]}{local[i]}{local[i - 1]}{local[i + 1 :]}@{domain}"
    if choice == 1:
        return f"{local[:i]}{local[i + 1 :]}@{domain}"
    return f"{local[:i]}{local[i]}{local[i:]}@{domain}"


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _malformed(rng: random.Random, email: str) -> str:
    local, domain = email.split("@")
    return rng.choice(
        [
            f"{local}@@{domain}",
            f"{local}.{domain}",
            f"{local}@{domain}.",
            f"{local}@{domain.split('.')[0]}",
            f"{local},@{domain}",
        ]
    )


#: Planted mistakes in a 900-row file; smaller files get proportionally fewer (at least one each).
MISTAKES_PER_900 = {"typos": 12, "deleted": 20, "fullwidth": 8, "spaces": 10, "malformed": 5, "duplicates": 6}


def generate_targets(population: list[User], rows: int = 900, seed: int = 20250501) -> list[TargetRow]:
    """About ``rows`` lines: inactive Readers plus the planted mistakes, shuffled."""
    rng = random.Random(seed)
    n = {k: max(1, round(v * rows / 900)) for k, v in MISTAKES_PER_900.items()}
    typos, deleted, fullwidth, spaces, malformed, duplicates = (n[k] for k in MISTAKES_PER_900)
    readers = [u.email for u in population if u.role == "READER"]
    others = {role: [u.email for u in population if u.role == role] for role in ("ADMIN", "AUTHOR")}
    planted = typos + deleted + fullwidth + spaces + malformed + duplicates + sum(1 for r in others.values() if r)
    inactive = rng.sample(readers, min(len(readers), max(0, rows - planted)))
    spare = [e for e in readers if e not in set(inactive)]
    known = {u.email for u in population}
    out = [TargetRow(e, "inactive") for e in inactive]
    out += [TargetRow(e, "duplicate") for e in rng.sample(inactive, min(duplicates, len(inactive)))]
    # Typos of other people's addresses that happen to be real would delete the wrong person:
    # keep only slips that match nobody.
    typo_rows = [
        t
        for t in (_typo(rng, e) for e in rng.sample(spare or readers, min(typos * 2, len(spare or readers))))
        if t not in known
    ]
    out += [TargetRow(e, "typo") for e in typo_rows[:typos]]
    out += [TargetRow(e, "deleted") for e in _deleted_addresses(rng, deleted, known)]
    pick = rng.sample(spare, min(fullwidth + spaces + malformed, len(spare)))
    out += [
        TargetRow(_fullwidth(e) if i % 2 else e.replace("@", "＠"), "fullwidth") for i, e in enumerate(pick[:fullwidth])
    ]
    out += [
        TargetRow(rng.choice([f" {e}", f"{e} ", f"{e}\u3000", e.replace(".", ". ", 1)]), "space")
        for e in pick[fullwidth : fullwidth + spaces]
    ]
    out += [TargetRow(_malformed(rng, e), "malformed") for e in pick[fullwidth + spaces :]]
    out += [TargetRow(rng.choice(emails), role.lower()) for role, emails in others.items() if emails]
    rng.shuffle(out)
    return out


def _deleted_addresses(rng: random.Random, count: int, known: set[str]) -> list[str]:
    """People who left and were removed by hand already: valid addresses that match nobody."""
    out: list[str] = []
    while len(out) < count:
        e = f"{rng.choice(GIVEN)}.{rng.choice(FAMILY)}{rng.randrange(50, 99)}@{DOMAIN}"
        if e not in known and e not in out:
            out.append(e)
    return out


def population_csv(users: Iterable[User]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(POPULATION_COLUMNS)
    writer.writerows((u.user_name, u.email, u.role) for u in users)
    return out.getvalue()


def read_population(text: str) -> list[User]:
    """Read a population CSV (``user_name,email,role``; ``user_name`` defaults to the e-mail)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "email" not in fields or "role" not in fields:
        raise ValueError(f"a population file needs the columns user_name,email,role (found {', '.join(fields)})")
    users = []
    for raw in reader:
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not row.get("email"):
            continue
        users.append(User(row.get("user_name") or row["email"], row["email"], row["role"].upper()))
    return users


def targets_file_bytes(rows: list[TargetRow], seed: int = 20250501) -> bytes:
    """The target CSV as Excel on Windows saves it: BOM, CRLF, extra columns, a few blank lines."""
    rng = random.Random(seed)
    lines = ["name,email,department"]
    for i, r in enumerate(rows):
        name = f"{rng.choice(KANJI_FAMILY)} {rng.choice(KANJI_GIVEN)}"
        email = f'"{r.email}"' if any(c in r.email for c in ',"') else r.email
        lines.append(f"{name},{email},{rng.choice(DEPARTMENTS)}")
        if i % 150 == 149:
            lines.append("" if i % 300 == 149 else ",,")  # an empty line, and a line of empty cells
    return ("\ufeff" + "\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def write_text(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path
