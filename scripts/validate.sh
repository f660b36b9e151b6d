#!/usr/bin/env bash
# `make validate`: terraform init -backend=false && terraform validate on the root module and every
# example, then `terraform test` (plan-only, mocked providers) on the root module.
# Needs the Terraform registry to install the providers: run it in your pipeline. Where no provider
# can be installed (as on the development machines of this repo) it says so and exits 0 with
# SKIPPED; any other failure fails.
set -uo pipefail
cd "$(dirname "$0")/.."

if command -v terraform >/dev/null 2>&1; then
  TERRAFORM=$(command -v terraform)
elif [ -x .venv-lint/bin/terraform ]; then
  TERRAFORM=.venv-lint/bin/terraform
else
  echo "validate: no terraform binary (install Terraform >= 1.7, or run \`make lint\` to get one in .venv-lint)" >&2
  exit 1
fi
echo "validate: using $("$TERRAFORM" version 2>/dev/null | head -n 1)"

# Messages terraform prints when it cannot reach a provider registry or mirror.
UNREACHABLE='Failed to query available provider packages|could not connect to|Failed to retrieve|no such host|connection refused|i/o timeout|Failed to install provider|network is unreachable|TLS handshake timeout'

log=$(mktemp)
trap 'rm -f "$log"' EXIT

for dir in . examples/*/; do
  dir=${dir%/}
  echo "== $dir: terraform init -backend=false"
  if ! "$TERRAFORM" -chdir="$dir" init -backend=false -input=false -no-color >"$log" 2>&1; then
    if grep -Eq "$UNREACHABLE" "$log"; then
      grep -E "Error|$UNREACHABLE" "$log" | head -n 5
      echo
      echo "SKIPPED: the providers (hashicorp/aws, hashicorp/archive) cannot be installed here: no provider"
      echo "registry or mirror is reachable. Nothing was validated. Run \`make validate\` where Terraform can"
      echo "download providers (your pipeline), or configure a provider mirror in the Terraform CLI config."
      exit 0
    fi
    cat "$log"
    echo "validate: terraform init failed in $dir" >&2
    exit 1
  fi
  echo "== $dir: terraform validate"
  "$TERRAFORM" -chdir="$dir" validate -no-color || exit 1
done

version=$("$TERRAFORM" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p')
case "$version" in
  0.* | 1.[0-6].*)
    echo "validate: terraform test with mock_provider needs Terraform >= 1.7 (found $version)" >&2
    exit 1
    ;;
esac
echo "== terraform test (plan only, mocked providers)"
"$TERRAFORM" test -no-color || exit 1
echo "validate: root module and examples are valid; terraform test passed"
