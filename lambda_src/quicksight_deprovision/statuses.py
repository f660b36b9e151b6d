"""The per-row statuses of the product contract: the one place that names them."""

from __future__ import annotations

DELETED = "DELETED"
WOULD_DELETE = "WOULD_DELETE"
NOT_FOUND = "NOT_FOUND"
PROTECTED = "PROTECTED"
INVALID_EMAIL = "INVALID_EMAIL"
FAILED = "FAILED"

#: Every status, in the order reports and summaries list them.
ALL: tuple[str, ...] = (DELETED, WOULD_DELETE, NOT_FOUND, PROTECTED, INVALID_EMAIL, FAILED)

#: What each status means, for reports, the CLI and the runbook.
MEANING: dict[str, str] = {
    DELETED: "user existed, role deletable, DeleteUser succeeded",
    WOULD_DELETE: "dry run: would have been deleted",
    NOT_FOUND: "no QuickSight user with the derived name",
    PROTECTED: "user exists but its role is not in the deletable roles",
    INVALID_EMAIL: "empty or malformed address (typo, full-width characters, spaces)",
    FAILED: "any other error, with the AWS error name and cause",
}
