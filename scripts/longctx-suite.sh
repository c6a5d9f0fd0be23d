#!/usr/bin/env bash
# Long-context measurements behind docs/performance.md ("Long context"): real prefill of 512 / 8,192 / 32,768-token
# prompts, decode against depth up to 262,000 with the f16 cache, the q8_0 and q4_0 caches at 262,000, and
# 1,000,000 with YaRN (factor 4) and q8_0 / q4_0 caches. Writes `bench --json` lines to $OUT (default
# longctx-results.jsonl): each has decode_tok_s, kv_bytes, peak_rss_bytes and estimate_bytes; the decode runs also
# bandwidth_bytes_per_s and kv_read_bandwidth_fraction (the KV cache read as a share of the memory bandwidth measured
# in the same run, `bench --bandwidth`).
#
#   scripts/longctx-suite.sh CKPT_DIR [THREADS]
#
# CKPT_DIR holds a3b-e32-q4_0 (see scripts/perf-suite.sh). Needs ~20 GB free for the 1M q8_0 run (it is refused with
# the numbers otherwise). Each run prints nothing but its JSON line; a refused run prints its one-line error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CK=${1:?usage: scripts/longctx-suite.sh CKPT_DIR [THREADS]}
T=${2:-2}
OUT=${OUT:-longctx-results.jsonl}
NI="$ROOT/nextinfer"
M="$CK/a3b-e32-q4_0"
run() { "$NI" bench --json --threads "$T" --model "$M" "$@" 2>&1 | grep -E '^\{|error' | tail -n 1 | tee -a "$OUT" || true; }
# prefill: real prompts, 512-token forward calls
for p in 512 8192 32768; do
  run --prompt-tokens $p --gen-tokens 8
done
# decode against depth, f16 cache (the default with q4_0 weights)
for d in 0 16384 65536 131072 262000; do
  run --prompt-tokens 16 --gen-tokens 16 --depth $d --bandwidth
done
# quantised caches at the native limit, and 1M positions with YaRN
for kv in q8_0 q4_0; do
  run --prompt-tokens 16 --gen-tokens 16 --depth 262000 --kv-cache $kv --bandwidth
  run --prompt-tokens 16 --gen-tokens 8 --depth 1000000 --kv-cache $kv --yarn 4
done
