#!/usr/bin/env bash
# Engine decode speed against the C reference, side by side on the same machine.
#
# This machine's speed drifts by tens of percent over minutes (other tenants), so the engine's
# target (at least 0.5 x llama2.c on the 15M shape, one thread) is measured as a ratio of
# alternating runs: C reference, then `bench --random 15M --threads 1`, N times.
#
#   bench/engine-vs-llama2c.sh [N]        (needs gcc and target/lawyer-llama.jar)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-6}
jar=target/lawyer-llama.jar
[[ -f $jar ]] || { echo "no $jar: build it with ./mvnw -B -DskipTests package" >&2; exit 2; }
command -v gcc >/dev/null || { echo "gcc is needed to build the C reference (apt-get install gcc)" >&2; exit 2; }
ref=$(mktemp -d)/llama2c-decode
trap 'rm -rf "$(dirname "$ref")"' EXIT
gcc -Ofast -o "$ref" bench/llama2c-decode.c -lm

ratios=()
printf '%-4s %12s %12s %7s\n' run 'C tok/s' 'engine tok/s' ratio
for i in $(seq "$runs"); do
  c=$("$ref" | awk '{print $2}')
  e=$(java -jar "$jar" bench --random 15M --threads 1 2>/dev/null | awk '/^decode/ {print $2}')
  r=$(awk -v e="$e" -v c="$c" 'BEGIN {printf "%.3f", e / c}')
  ratios+=("$r")
  printf '%-4s %12s %12s %7s\n' "$i" "$c" "$e" "$r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END {
  m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
  printf "ratio engine / C: median %.3f, min %.3f, max %.3f (target >= 0.5)\n", m, v[1], v[NR]}'
