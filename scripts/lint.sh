#!/usr/bin/env bash
# Static checks that run without git, AWS or the Terraform registry.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "-- ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
