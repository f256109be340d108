#!/usr/bin/env bash
# The main job: the default experiment (SFT, offline initialisation, 3 only-prompting rounds, held-out
# evaluation) through the whole system: the .NET Aspire AppHost starts Azurite, the five gRPC services and the
# dashboard; the `onlyprompt run` client starts the run on the Orchestrator and prints the per-round table.
# Results stay in blob storage (runs/<run>/...). Does its own set-up (npm ci for Azurite, restore, build).
#   ./run.sh                      default preset, seed 1
#   ./run.sh --preset smoke       seconds, same stages
#   ./run.sh --seed 2 --schedule 3,5,7 --round-lr 5e-5,2.5e-5,1.25e-5    (see `onlyprompt run --help`)
#   ./run.sh --kind self-rewarding   a baseline or ablation instead of the method (see `onlyprompt run --help`)
#   ./run.sh compare --seeds 1,2,3   the method, its baselines and ablations over seeds: the paper's tables
#   ./run.sh report RUN           save and print a finished run's report (Markdown and PNG plots)
#   ./run.sh --keep-running ...   leave the system up afterwards (dashboard, further `onlyprompt` calls)
#   ./run.sh --in-process ...     the same run through the services hosted in one process, without the AppHost
set -euo pipefail
cd "$(dirname "$0")"

keep_running=false
in_process=false
args=()
for arg in "$@"; do
  case "$arg" in
    --keep-running) keep_running=true ;;
    --in-process) in_process=true ;;
    *) args+=("$arg") ;;
  esac
done

[ -f node_modules/azurite/dist/src/blob/main.js ] || npm ci --no-audit --no-fund
if $in_process; then
  dotnet build src/OnlyPrompt.Lab -c Release --nologo -v quiet -clp:NoSummary
  exec dotnet src/OnlyPrompt.Lab/bin/Release/net10.0/onlyprompt-lab.dll experiment "${args[@]}"
fi
dotnet build src/OnlyPrompt.Cli -c Release --nologo -v quiet -clp:NoSummary
onlyprompt=(dotnet src/OnlyPrompt.Cli/bin/Release/net10.0/onlyprompt.dll)

orchestrator=http://127.0.0.1:5170
if "${onlyprompt[@]}" list --address "$orchestrator" >/dev/null 2>&1; then
  echo "An OnlyPrompt system already answers on $orchestrator; the run goes to it."
else
  dotnet build OnlyPrompt.AppHost -c Release --nologo -v quiet -clp:NoSummary
  mkdir -p .onlyprompt
  log=.onlyprompt/apphost.log
  dotnet run --project OnlyPrompt.AppHost -c Release --no-build --launch-profile http >"$log" 2>&1 &
  apphost=$!
  stop() {
    if kill -0 "$apphost" 2>/dev/null; then
      echo "Stopping the AppHost (Azurite data stays in .onlyprompt/azurite)..."
      kill -TERM "$apphost" 2>/dev/null || true
      wait "$apphost" 2>/dev/null || true
    fi
  }
  trap stop EXIT
  echo "Starting the AppHost (Azurite, Sampler, Filter, Trainer, Evaluator, Orchestrator); log in $log"
  for _ in $(seq 1 180); do
    if "${onlyprompt[@]}" list --address "$orchestrator" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$apphost" 2>/dev/null; then echo "The AppHost exited; see $log" >&2; tail -30 "$log" >&2; exit 1; fi
    sleep 1
  done
  "${onlyprompt[@]}" list --address "$orchestrator" >/dev/null
  echo "Dashboard (traces of each run, round and stage): http://127.0.0.1:15080"
fi

# `./run.sh compare ...` or `./run.sh report RUN` send that client command instead of starting one run.
command=run
case "${args[0]:-}" in
  compare|report|list|get|watch) command=${args[0]}; args=("${args[@]:1}") ;;
esac
status=0
"${onlyprompt[@]}" "$command" --address "$orchestrator" "${args[@]}" || status=$?
if $keep_running && [ -n "${apphost:-}" ]; then
  echo "The system stays up (dashboard http://127.0.0.1:15080, orchestrator $orchestrator); Ctrl+C stops it."
  wait "$apphost" || true
fi
exit "$status"
