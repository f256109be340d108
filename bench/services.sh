#!/usr/bin/env bash
# Benchmark: one run through the AppHost's services (Azurite + five gRPC services, separate processes) against the
# same run through the same services hosted in one process (onlyprompt-lab experiment), interleaved, on this machine,
# every stage computed (--no-reuse). Prints one JSON line per run and a summary line with medians and the separate
# processes' overhead. Does its own set-up like run.sh.
#   bench/services.sh [--preset smoke|default] [--repeats N]
# The first AppHost run after start-up is reported as "cold" (each service loads libtorch then) and left out of the
# medians; every one-process run is a fresh process, so its times include that process's start and Azurite's.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=smoke
repeats=3
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

[ -f node_modules/azurite/dist/src/blob/main.js ] || npm ci --no-audit --no-fund
dotnet build src/OnlyPrompt.Lab -c Release --nologo -v quiet -clp:NoSummary
dotnet build OnlyPrompt.AppHost -c Release --nologo -v quiet -clp:NoSummary
onlyprompt=(dotnet src/OnlyPrompt.Cli/bin/Release/net10.0/onlyprompt.dll)
lab=(dotnet src/OnlyPrompt.Lab/bin/Release/net10.0/onlyprompt-lab.dll)
orchestrator=http://127.0.0.1:5170
if "${onlyprompt[@]}" list --address "$orchestrator" >/dev/null 2>&1; then
  echo "an OnlyPrompt system already answers on $orchestrator: stop it first, so the benchmark measures its own" >&2
  exit 1
fi

data=$(mktemp -d)
dotnet run --project OnlyPrompt.AppHost -c Release --no-build --launch-profile http -- "--OnlyPrompt:DataDirectory=$data" >"$data/apphost.log" 2>&1 &
apphost=$!
trap 'kill -TERM $apphost 2>/dev/null || true; wait $apphost 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 180); do
  "${onlyprompt[@]}" list --address "$orchestrator" >/dev/null 2>&1 && break
  sleep 1
done

seconds() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
services_times=()
one_process_times=()
for i in $(seq 0 "$repeats"); do
  start=$(date +%s.%N)
  "${onlyprompt[@]}" run --address "$orchestrator" --preset "$preset" --seed 1 --no-reuse >"$data/services-$i.log"
  t=$(seconds "$start")
  kind=$([ "$i" -eq 0 ] && echo cold || echo warm)
  echo "{\"mode\": \"services\", \"preset\": \"$preset\", \"run\": $i, \"kind\": \"$kind\", \"seconds\": $t}"
  [ "$i" -gt 0 ] && services_times+=("$t")
  if [ "$i" -gt 0 ]; then
    start=$(date +%s.%N)
    "${lab[@]}" experiment --preset "$preset" --seed 1 --no-reuse --no-probes --storage "$data/lab-$i" --out "$data/one-process-$i" >"$data/one-process-$i.log"
    t=$(seconds "$start")
    echo "{\"mode\": \"one-process\", \"preset\": \"$preset\", \"run\": $i, \"seconds\": $t}"
    one_process_times+=("$t")
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
s=$(median "${services_times[@]}")
p=$(median "${one_process_times[@]}")
echo "{\"summary\": true, \"preset\": \"$preset\", \"services_median_seconds\": $s, \"one_process_median_seconds\": $p, \"overhead_percent\": $(awk -v s="$s" -v p="$p" 'BEGIN { printf "%.1f", 100 * (s - p) / p }')}"
