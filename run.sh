#!/usr/bin/env bash
# The main job. Today: the model-core benchmarks (sampling with and without the KV cache, log-prob scoring)
# on a Llama-style model of 256 wide, 4 layers. The default experiment through the AppHost replaces this
# once the experiment and services land. Does its own restore and build.
set -euo pipefail
cd "$(dirname "$0")"

# glibc's defaults return freed libtorch buffers to the OS after every op; keeping them mapped is ~2x faster
# on small models (PLATFORM.md). Must be set before the process starts.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-33554432}
export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1000000000}

dotnet build src/OnlyPrompt.Bench -c Release --nologo -v quiet
bench="dotnet src/OnlyPrompt.Bench/bin/Release/net10.0/OnlyPrompt.Bench.dll"
size="--dim 256 --layers 4 --heads 4 --kv-heads 2 --vocab 512"
$bench sample $size --batch 32 --prompt-len 32 --new-tokens 128
$bench sample $size --batch 32 --prompt-len 32 --new-tokens 128 --no-cache --repeats 1
$bench logprobs $size --batch 16 --seq 256
