"""Fail on trailing whitespace, a missing final newline or extra blank lines at the end of a file.

Usage: python scripts/check_whitespace.py [FILE...]   (no files: every text file of the repo)
Used by scripts/lint.sh and by the pre-commit hook of the same name.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {
    ".git",
    ".venv",
    ".venv-lint",
    "node_modules",
    ".terraform",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "build",
}
#: Generated, git-ignored output (make demo writes under out/).
SKIP_TOP = {"out"}
SUFFIXES = {".py", ".tf", ".hcl", ".md", ".json", ".yaml", ".yml", ".toml", ".sh", ".txt", ".tftpl", ".cfg"}
#: Test data keeps its whitespace on purpose (CRLF, trailing spaces, blank lines in CSVs).
SKIP_PREFIXES = ("tests/fixtures/",)
NAMES = {"Makefile", "run", ".gitignore"}


def problems(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    if not text:
        return []
    out = [f"{path}:{n}: trailing whitespace" for n, line in enumerate(text.split("\n"), 1) if line != line.rstrip()]
    if not text.endswith("\n"):
        out.append(f"{path}: no newline at the end of the file")
    elif text.endswith("\n\n"):
        out.append(f"{path}: blank lines at the end of the file")
    return out


def repo_files() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*")
        if p.is_file()
        and not SKIP_DIRS & set(p.relative_to(ROOT).parts)
        and p.relative_to(ROOT).parts[0] not in SKIP_TOP
        and not p.relative_to(ROOT).as_posix().startswith(SKIP_PREFIXES)
        and not any(part.endswith(".egg-info") for part in p.parts)
        and (p.suffix in SUFFIXES or p.name in NAMES)
        and p.name != "package-lock.json"
    ]


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or repo_files()
    found = [msg for f in files for msg in problems(f)]
    for msg in found:
        print(msg)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
