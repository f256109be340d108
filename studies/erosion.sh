#!/usr/bin/env bash
# The chosen-side erosion study (docs/experiments.md): the method and one variant per suspect, 3 seeds each, through the
# services in one process (onlyprompt-lab experiment). Every run shares one storage folder, so the variants of a seed
# take the method's SFT and initialisation by reference (the same stage keys) instead of training them again.
# Usage: studies/erosion.sh [OUT] [SEEDS] [VARIANTS]   e.g. studies/erosion.sh .onlyprompt/erosion "1 2 3" "method nll-prefixed"
# Prints one line per run, then per variant the mean over seeds with its standard error; each run's full log is
# OUT/VARIANT-sSEED.log, its report OUT/VARIANT-sSEED/report.md. Runs already done (a report exists) are not redone.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.onlyprompt/erosion}
seeds=${2:-1 2 3}
variants=${3:-method nll-prefixed plain-dpo dpop half-lr two-epochs reference-initial temperature-0.7}
mkdir -p "$out"
[ -f node_modules/azurite/dist/src/blob/main.js ] || npm ci --no-audit --no-fund
dotnet build src/OnlyPrompt.Lab -c Release -v q -nologo > /dev/null
preset=${PRESET:-default}
cli="dotnet src/OnlyPrompt.Lab/bin/Release/net10.0/onlyprompt-lab.dll experiment --preset $preset"

flags() {
  case $1 in
    method) echo "" ;;
    nll-prefixed) echo "--nll-context chosen-prefix" ;;
    plain-dpo) echo "--round-nll 0" ;;
    dpop) echo "--round-nll 0 --round-dpop 5" ;;
    half-lr) echo "--round-lr 2.5e-5,1.25e-5,6.25e-6" ;;
    two-epochs) echo "--round-epochs 2" ;;
    reference-initial) echo "--round-reference initial" ;;
    temperature-0.7) echo "--temperature 0.7" ;;
    *) echo "unknown variant $1" >&2; exit 2 ;;
  esac
}

for seed in $seeds; do
  for variant in $variants; do
    run="$out/$variant-s$seed"
    [ -f "$run/report.md" ] && continue
    # shellcheck disable=SC2046
    $cli --seed "$seed" --storage "$out/storage" --id "$variant-s$seed-$(date +%s)" --out "$run" $(flags "$variant") > "$run.log" 2>&1
    awk -v v="$variant" -v s="$seed" '
      /^(sft|init|round [0-9])/ { for (i = 2; i <= NF; i++) if ($i == "±") plain = plain " " $(i - 1) }
      /asked for 10 \/ 10/ { prefixed = prefixed " " $NF }
      END { printf "%-18s seed %s  held-out quality sft init r1 r2 r3:%s  asked for 10/10:%s\n", v, s, plain, prefixed }' "$run.log"
  done
done

# Per variant, over seeds: round 3's held-out quality asked plainly and with the 10/10 prefix, round 3 minus init, and the
# mean per-token log-prob change of the kept chosen answers (plain, prefixed) and rejected answers (plain) per round, and
# nll_loss / loss of the last step: the NLL term's share of the loss where its weight is 1 (not in the loss for plain DPO or DPOP).
echo
echo "variant             seeds  r3 plain        r3 - init        r3 asked 10/10   10/10 r3 - init  d chosen plain  d chosen prefixed  d rejected plain  nll_loss / loss"
for variant in $variants; do
  for seed in $seeds; do [ -f "$out/$variant-s$seed.log" ] && cat "$out/$variant-s$seed.log" | sed "s/^/$seed /"; done | awk -v v="$variant" '
    function add(name, x) { sum[name] += x; sq[name] += x * x; n[name]++ }
    function show(name) { m = sum[name] / n[name]; se = n[name] > 1 ? sqrt((sq[name] - n[name] * m * m) / (n[name] - 1) / n[name]) : 0; return sprintf("%+.3f ± %.3f", m, se) }
    { seed = $1 }
    $2 ~ /^(sft|init|round)$/ { for (i = 3; i <= NF; i++) if ($i == "±") q[seed, $2 ($2 == "round" ? $3 : "")] = $(i - 1); stage = $2 ($2 == "round" ? $3 : ""); loss = $11 }
    /asked for 10 \/ 10/ { p[seed, stage] = $NF }
    # arrow 1 is in the header (before -> after); then chosen plain, chosen prefixed, rejected plain, rejected prefixed
    /log-prob per token/ { k = 0; for (i = 1; i <= NF; i++) if ($i == "->") { k++; d[k] = $(i + 1) - $(i - 1) }
                           add("cp", d[2]); add("cx", d[3]); add("rp", d[4]); add("nll", $NF / loss) }
    /^[0-9]+ done in/ { seeds++; add("q3", q[seed, "round3"]); add("g", q[seed, "round3"] - q[seed, "init"]); add("p3", p[seed, "round3"]); add("pg", p[seed, "round3"] - p[seed, "init"]) }
    END { if (seeds) printf "%-18s  %5d  %s  %s  %s  %s  %s  %s  %s  %s\n", v, seeds, show("q3"), show("g"), show("p3"), show("pg"), show("cp"), show("cx"), show("rp"), show("nll") }'
done

# Paired by seed against the method: round 3's held-out quality asked plainly and asked for 10/10.
echo
echo "variant             seeds  r3 plain - method's  r3 asked 10/10 - method's"
round3() { awk '/^round 3/ { for (i = 1; i <= NF; i++) if ($i == "±") q = $(i - 1) } END { print q }' "$1"; }
asked10() { awk '/asked for 10/ { q = $NF } END { print q }' "$1"; }
for variant in $variants; do
  [ "$variant" = method ] && continue
  for seed in $seeds; do
    run="$out/$variant-s$seed.log" method="$out/method-s$seed.log"
    [ -f "$run" ] && [ -f "$method" ] || continue
    echo "$(round3 "$run") $(round3 "$method") $(asked10 "$run") $(asked10 "$method")"
  done | awk -v v="$variant" '
    { d = $1 - $2; e = $3 - $4; sd += d; qd += d * d; se += e; qe += e * e; n++ }
    function show(s, q) { m = s / n; return sprintf("%+.3f ± %.3f", m, n > 1 ? sqrt((q - n * m * m) / (n - 1) / n) : 0) }
    END { if (n) printf "%-18s  %5d  %-19s  %s\n", v, n, show(sd, qd), show(se, qe) }'
done
