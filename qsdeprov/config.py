"""Template values for local runs, with the module's defaults.

The defaults mirror ``variables.tf`` (a test keeps them equal); the prefixes mirror the
locals in ``main.tf``.
"""

from __future__ import annotations

import json
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

INPUT_PREFIX = "input/"
REPORT_PREFIX = "reports/"
ARCHIVE_PREFIX = "processed/"

#: Defaults of the module's variables that feed the template (see variables.tf).
MODULE_DEFAULTS: dict[str, Any] = {
    "quicksight_namespace": "default",
    "user_name_prefix": "",
    "deletable_roles": ["READER"],
    # Chosen with the capacity simulator (docs/throughput.md, `make bench`).
    "max_concurrency": 20,
    "retry_interval_seconds": 5,
    "retry_backoff_rate": 1.5,
    "retry_max_delay_seconds": 30,
    "retry_max_attempts": 25,
    "table_delete_retry_interval_seconds": 30,
    "table_delete_max_attempts": 10,
    "table_poll_seconds": 5,
}


def template_values(
    *,
    name: str = "quicksight-deprovision",
    bucket_name: str = "quicksight-deprovision-local",
    account_id: str = ACCOUNT_ID,
    region: str = REGION,
    sns_topic_arn: str = "",
    **overrides: Any,
) -> dict[str, Any]:
    """Everything ``definitions/deprovision.asl.json.tftpl`` needs, as main.tf passes it."""
    unknown = set(overrides) - set(MODULE_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown module variables: {sorted(unknown)}")
    v = {**MODULE_DEFAULTS, **overrides}
    return {
        "bucket_name": bucket_name,
        "quicksight_account_id": account_id,
        "quicksight_namespace": v["quicksight_namespace"],
        "user_name_prefix": v["user_name_prefix"],
        "deletable_roles_json": json.dumps(v["deletable_roles"], separators=(",", ":")),  # as jsonencode()
        "table_name_prefix": f"{name}-log-",
        "export_function_arn": f"arn:aws:lambda:{region}:{account_id}:function:{name}-export",
        "max_concurrency": v["max_concurrency"],
        "retry_interval_seconds": v["retry_interval_seconds"],
        "retry_backoff_rate": v["retry_backoff_rate"],
        "retry_max_delay_seconds": v["retry_max_delay_seconds"],
        "retry_max_attempts": v["retry_max_attempts"],
        "table_delete_retry_interval_seconds": v["table_delete_retry_interval_seconds"],
        "table_delete_max_attempts": v["table_delete_max_attempts"],
        "table_poll_seconds": v["table_poll_seconds"],
        "sns_topic_arn": sns_topic_arn,
        "input_prefix": INPUT_PREFIX,
        "report_prefix": REPORT_PREFIX,
        "archive_prefix": ARCHIVE_PREFIX,
    }
