"""A 10,000-row run on the embedded backend completes with a complete report.

The measurement code is ``scripts/scale_report.py`` (which also writes docs/scale.md); this test
runs its largest case and checks what an operator would notice.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = 10_000
#: The export function's defaults in variables.tf (export_function_memory_size / _timeout).
EXPORT_MEMORY_MB, EXPORT_TIMEOUT_S = 512, 300


def scale_report() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scale_report", ROOT / "scripts" / "scale_report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_ten_thousand_rows_complete_with_one_report_row_each_in_csv_order() -> None:
    result = scale_report().measure(ROWS, max_concurrency=50)
    print(
        f"\n{ROWS} rows: run {result.seconds} s (CPU {result.cpu_seconds} s); "
        f"export {result.invocation('export').seconds} s, peak {result.invocation('export').peak_mib} MiB"
    )
    assert result.status == "SUCCEEDED"
    assert result.report_rows == ROWS
    assert result.rows_in_order
    assert result.counts == result.expected_counts
    assert result.tables_left == []
    export = result.invocation("export")
    # Well inside the function's defaults, with room for the runtime and boto3.
    assert export.peak_mib < EXPORT_MEMORY_MB / 4
    assert export.seconds < EXPORT_TIMEOUT_S / 10
