#!/usr/bin/env bash
# Engine decode speed against the C reference, side by side on the same machine.
#
# This machine's speed drifts by tens of percent over minutes (other tenants), so the engine's
# target (at least 0.5 x llama2.c on the 15M shape, one thread) is measured as a ratio of
# alternating runs: C reference, then `bench --random 15M --threads 1`, N times. Each side reports
# wall-clock tokens/s and tokens per CPU-second of its decoding thread; on a machine that other
# work keeps busy the wall figures mostly measure the waits for a core, the CPU ones do not.
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
cpu_ratios=()
printf '%-4s %12s %12s %7s   %14s %14s %9s\n' run 'C tok/s' 'engine tok/s' ratio 'C tok/CPU-s' 'engine tok/CPU-s' 'CPU ratio'
for i in $(seq "$runs"); do
  out=$("$ref")
  c=$(awk '{print $2}' <<<"$out")
  c_cpu=$(sed -E 's/.*; ([0-9.]+) tokens per CPU-second.*/\1/' <<<"$out")
  line=$(java -jar "$jar" bench --random 15M --threads 1 2>/dev/null | grep '^decode')
  e=$(awk '{print $2}' <<<"$line")
  e_cpu=$(sed -E 's/.*tokens; ([0-9.]+) tokens per CPU-second.*/\1/' <<<"$line")
  r=$(awk -v e="$e" -v c="$c" 'BEGIN {printf "%.3f", e / c}')
  rc=$(awk -v e="$e_cpu" -v c="$c_cpu" 'BEGIN {printf "%.3f", e / c}')
  ratios+=("$r")
  cpu_ratios+=("$rc")
  printf '%-4s %12s %12s %7s   %14s %14s %9s\n' "$i" "$c" "$e" "$r" "$c_cpu" "$e_cpu" "$rc"
done
summary() {
  sort -n | awk -v what="$1" '{v[NR]=$1} END {
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
    printf "%s ratio engine / C: median %.3f, min %.3f, max %.3f (target >= 0.5)\n", what, m, v[1], v[NR]}'
}
printf '%s\n' "${ratios[@]}" | summary wall-clock
printf '%s\n' "${cpu_ratios[@]}" | summary CPU-time
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
