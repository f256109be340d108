#!/usr/bin/env bash
# Benchmark: the library at real sizes on this machine, one JSON line per measurement: the matmul peak per dtype,
# DPO training and sampling at the d768 and Qwen2.5-0.5B shapes (full fine-tuning, activation checkpointing,
# LoRA rank 16, mixed precision against fp32), each beside Debian's PyTorch running the same decoder (bench/torch_reference.py) where it fits.
#   bench/real-sizes.sh [--quick]      --quick: the d768 shape only
# Needs python3-torch (apt-get install python3-torch) for the PyTorch lines; without it they are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
[ "${1:-}" = "--quick" ] && quick=true

dotnet build src/OnlyPrompt.Bench -c Release --nologo -v quiet -clp:NoSummary
bench=(dotnet src/OnlyPrompt.Bench/bin/Release/net10.0/OnlyPrompt.Bench.dll)
# Debian's PyTorch 1.13 can take many minutes for what ours does in seconds: a run that does not finish within
# TORCH_LIMIT_S seconds (default 300) is stopped and prints that bound instead.
torch_limit=${TORCH_LIMIT_S:-300}
torch_ref() {
  if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then echo '{"skipped":"python3-torch is not installed"}'; return; fi
  timeout "$torch_limit" /usr/bin/python3 bench/torch_reference.py "$@" --threads 2 \
    || echo "{\"op\":\"$1\",\"peer\":\"pytorch-eager\",\"did_not_finish_within_s\":$torch_limit,\"args\":\"$*\"}"
}

echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), cpu family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs); $(nproc) cores; bf16 flags: $(grep -o -m1 'avx512_bf16\|amx_bf16' /proc/cpuinfo | sort -u | xargs)"
"${bench[@]}" matmul --dtype fp32 --threads 2
"${bench[@]}" matmul --dtype bf16 --threads 2

# d768: 6 layers, vocab 32000, 512 tokens per sequence, 4 pairs per DPO step (cached reference log-probs).
# --dtype auto trains in mixed precision where the CPU computes bf16 natively, as the Trainer does; fp32 beside it.
d768=(--shape d768 --batch 4 --seq 512 --threads 2)
"${bench[@]}" train "${d768[@]}" --steps 3 --dtype auto
"${bench[@]}" train "${d768[@]}" --steps 3 --dtype fp32
"${bench[@]}" train "${d768[@]}" --steps 3 --dtype auto --checkpointing
"${bench[@]}" train "${d768[@]}" --steps 3 --dtype auto --lora 16
# PyTorch eager beside ours at 2 pairs (at 4 its full-vocabulary logits make the step slow to finish here).
torch_ref train --dim 768 --layers 6 --heads 12 --kv-heads 4 --vocab 32000 --batch 2 --seq 512 --reps 1
"${bench[@]}" train --shape d768 --batch 2 --seq 512 --threads 2 --steps 3 --dtype auto
"${bench[@]}" train --shape d768 --batch 2 --seq 512 --threads 2 --steps 3 --dtype fp32
"${bench[@]}" sample --shape d768 --batch 16 --prompt-len 32 --new-tokens 128 --threads 2 --repeats 1 --dtype auto
"${bench[@]}" sample --shape d768 --batch 16 --prompt-len 32 --new-tokens 128 --threads 2 --repeats 1 --dtype fp32
torch_ref sample --dim 768 --layers 6 --heads 12 --kv-heads 4 --vocab 32000 --batch 16 --prompt-len 32 --new-tokens 128 --reps 1
$quick && exit 0

# Qwen2.5-0.5B's shape: hidden 896, 24 layers, 14 heads, 2 KV heads, MLP 4864, vocab 151936, tied embeddings.
q05=(--shape qwen2.5-0.5b --batch 4 --seq 512 --threads 2 --steps 2 --checkpointing)
"${bench[@]}" train "${q05[@]}" --dtype auto
"${bench[@]}" train "${q05[@]}" --dtype auto --lora 16
"${bench[@]}" train "${q05[@]}" --dtype fp32
# Without checkpointing: faster, and its activations take the peak past 16 GB.
"${bench[@]}" train --shape qwen2.5-0.5b --batch 4 --seq 512 --threads 2 --steps 2 --dtype auto
"${bench[@]}" parts --shape qwen2.5-0.5b --batch 4 --seq 512 --threads 2 --dtype auto --repeats 2
"${bench[@]}" sample --shape qwen2.5-0.5b --batch 16 --prompt-len 32 --new-tokens 128 --threads 2 --repeats 1 --dtype auto
"${bench[@]}" sample --shape qwen2.5-0.5b --batch 16 --prompt-len 32 --new-tokens 128 --threads 2 --repeats 1 --dtype fp32
# PyTorch beside ours at 1 pair: at 4 its fp32 activations and full-vocabulary logits do not fit in 23 GB.
"${bench[@]}" train --shape qwen2.5-0.5b --batch 1 --seq 512 --threads 2 --steps 2 --checkpointing --dtype auto
torch_ref train --dim 896 --layers 24 --heads 14 --kv-heads 2 --ff 4864 --vocab 151936 --batch 1 --seq 512 --reps 1
torch_ref sample --dim 896 --layers 24 --heads 14 --kv-heads 2 --ff 4864 --vocab 151936 --batch 16 --prompt-len 32 --new-tokens 128 --reps 1
