#!/usr/bin/env bash
# Runs every test from a fresh clone: installs the npm packages the tests use (Azurite, Hugging Face's tokenizer port
# and Jinja, an independent Parquet writer), then restores, builds and tests the whole solution. Extra arguments go to
# `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

# npm writes node_modules/.package-lock.json on install: older than package-lock.json means the packages changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test OnlyPrompt.sln -c Release "$@" 2>&1 | tee "$log" || status=$?
# One plain summary line over every test assembly.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
