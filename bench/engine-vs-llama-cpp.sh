#!/usr/bin/env bash
# Engine decode speed against llama.cpp on the same GGUF weights, side by side in one run.
#
# For each shape (default: Qwen2.5-0.5B and 1.5B with random weights; LLaMA shapes such as 1.1B too), the
# engine writes a random Hugging Face checkpoint with the Qwen tokenizer (LLaMA-2's for LLaMA shapes), exports it with `convert --to gguf --type F32`,
# then, for each thread count, runs llama.cpp (node-llama-cpp's prebuilt CPU build, installed from
# npm into target/node-llama-cpp as the tests do) and `bench --model FILE.gguf` alternately, and
# prints decode tokens/s and their ratio (engine / llama.cpp; the target is >= 0.9).
#
#   bench/engine-vs-llama-cpp.sh [SHAPE ...]     (needs target/lawyer-llama.jar, node and npm)
#   env: THREADS="1 2"  ROUNDS=2  NEW_TOKENS=64  PROMPT_TOKENS=16  WORK=target/bench-gguf
set -euo pipefail
cd "$(dirname "$0")/.."
shapes=("$@")
[[ ${#shapes[@]} -gt 0 ]] || shapes=(qwen2.5-0.5B qwen2.5-1.5B)
threads=${THREADS:-1 2}
rounds=${ROUNDS:-2}
new=${NEW_TOKENS:-64}
prompt_tokens=${PROMPT_TOKENS:-16}
work=${WORK:-target/bench-gguf}
shared=${LAWYER_SHARED_DATA:-../shared/data}
jar=target/lawyer-llama.jar
[[ -f $jar ]] || { echo "no $jar: build it with ./mvnw -B -DskipTests package" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed (apt-get install nodejs npm)" >&2; exit 2; }
lawyer() { java -Dai.djl.offline=true -jar "$jar" "$@"; }

ref=target/node-llama-cpp
if [[ ! -f $ref/node_modules/node-llama-cpp/package.json ]]; then
  mkdir -p "$ref"
  echo '{"name": "llama-cpp-reference", "private": true}' > "$ref/package.json"
  (cd "$ref" && npm install --omit=optional --ignore-scripts --no-audit --no-fund --no-save \
      node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1 >&2)
fi
cp src/test/resources/node-llama-cpp/greedy.mjs "$ref/"
mkdir -p "$work"

ids=$(seq 1000 997 $((1000 + 997 * (prompt_tokens - 1))) | paste -sd, -)
printf '%-14s %7s %5s %16s %16s %7s\n' shape threads round 'llama.cpp tok/s' 'engine tok/s' ratio
for shape in "${shapes[@]}"; do
  gguf=$work/$shape-f32.gguf
  if [[ ! -f $gguf ]]; then
    hf=$work/$shape-hf
    lawyer convert --random "$shape" --out "$hf" >&2
    case $shape in
      qwen*) cp "$shared/tokenizers/qwen3/tokenizer.json" "$shared/tokenizers/qwen3/tokenizer_config.json" "$hf/" ;;
      *) cp "$shared/tokenizers/llama2/tokenizer.model" "$hf/" ;;           # LLaMA shapes (15M, 1.1B, dim=…)
    esac
    lawyer convert --to gguf --model "$hf" --out "$gguf" --type F32 >&2
    rm -rf "$hf"
  fi
  for t in $threads; do
    for r in $(seq "$rounds"); do
      c=$(cd "$ref" && node greedy.mjs "$OLDPWD/$gguf" "[$ids]" "$((new + 1))" "bench:$t" | tail -1 \
          | sed -E 's/.*"decodeTokensPerSecond":([0-9.eE+-]+).*/\1/')
      e=$(lawyer bench --model "$gguf" --threads "$t" --prompt-tokens "$prompt_tokens" --new-tokens "$new" 2>/dev/null \
          | awk '/^decode/ {print $2}')
      printf '%-14s %7s %5s %16.2f %16.2f %7.3f\n' "$shape" "$t" "$r" "$c" "$e" "$(awk -v e="$e" -v c="$c" 'BEGIN {print e / c}')"
    done
  done
done
