"""Lint IAM policy JSON files with parliament (runs in .venv-lint, not .venv).

Usage: .venv-lint/bin/python scripts/parliament_check.py FILE.json...

Every finding fails the check unless it is justified below.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from parliament import analyze_policy_string

#: RESOURCE_MISMATCH findings that are parliament's mistake, keyed (action, required format).
#: AWS lists alternative resource types for these actions (either one is enough); parliament
#: requires every one of them, and granting the other type would widen the policy.
ALTERNATIVE_RESOURCE_TYPES: dict[tuple[str, str], str] = {
    (
        "states:DescribeExecution",
        "arn:*:states:*:*:express:*:*:*",
    ): "execution OR express: the module's executions (and the Map's children) are STANDARD.",
    (
        "states:ListExecutions",
        "arn:*:states:*:*:mapRun:*/*:*",
    ): "stateMachine OR mapRun: operators list the state machine's executions.",
}


def _is_trust_policy(doc: dict[str, Any]) -> bool:
    return all(s.get("Principal") and s.get("Action") == "sts:AssumeRole" for s in doc["Statement"])


def _justified(finding: Any, doc: dict[str, Any]) -> bool:
    if finding.issue == "MALFORMED" and _is_trust_policy(doc):
        return "neither Resource nor NotResource" in str(finding.detail)  # a trust policy has no Resource
    if finding.issue == "RESOURCE_MISMATCH":
        return all((d["action"], d["required_format"]) in ALTERNATIVE_RESOURCE_TYPES for d in finding.detail)
    return False


def findings(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    policy = analyze_policy_string(text, include_community_auditors=False, ignore_private_auditors=True)
    return [
        f"{path.name}: {f.issue} {f.title} {json.dumps(f.detail)}" for f in policy.findings if not _justified(f, doc)
    ]


def main(argv: list[str]) -> int:
    problems = [p for arg in argv for p in findings(Path(arg))]
    for p in problems:
        print(p)
    print(f"parliament: {len(argv)} policy documents, {len(problems)} unjustified findings")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
