#!/usr/bin/env bash
# The main job: the default experiment (SFT, offline initialisation, 3 only-prompting rounds, held-out
# evaluation) on the tiny built-in world, printing the per-round table. It runs in-process until the gRPC
# services and the AppHost can run it. Does its own restore and build. Extra arguments go to the command,
# e.g. ./run.sh --seed 2 or ./run.sh --preset smoke.
set -euo pipefail
cd "$(dirname "$0")"

dotnet build src/OnlyPrompt.Cli -c Release --nologo -v quiet
dotnet src/OnlyPrompt.Cli/bin/Release/net10.0/onlyprompt.dll experiment "$@"
