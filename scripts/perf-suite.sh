#!/usr/bin/env bash
# End-to-end measurements behind docs/performance.md: a3b-e32 prefill/decode in bf16, q8_0, q4_0, decode at
# depth, and MTP parts. Writes JSON lines (one `bench --json` object per run) to $OUT (default perf-results.jsonl); each
# names its processor (cpu), and the decode runs put their bytes against the bandwidth measured beside them
# (`--bandwidth`: decode_bandwidth_fraction).
#
#   scripts/perf-suite.sh CKPT_DIR [THREADS]
#
# CKPT_DIR holds a3b-e32-bf16 (./nextinfer synth --preset a3b-e32 --out CKPT_DIR/a3b-e32-bf16) and, if present,
# a3b-e32-q8_0 / a3b-e32-q4_0 (./nextinfer quantize ...); missing quantised folders are created.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CK=${1:?usage: scripts/perf-suite.sh CKPT_DIR [THREADS]}
T=${2:-2}
OUT=${OUT:-perf-results.jsonl}
NI="$ROOT/nextinfer"
[ -d "$CK/a3b-e32-bf16" ] || "$NI" synth --preset a3b-e32 --out "$CK/a3b-e32-bf16" --seed 1
for f in q8_0 q4_0; do
  [ -f "$CK/a3b-e32-$f/config.json" ] || "$NI" quantize --model "$CK/a3b-e32-bf16" --weights $f --out "$CK/a3b-e32-$f"
done
run() { "$NI" bench --json --threads "$T" "$@" 2>/dev/null | tail -n 1 | tee -a "$OUT"; }
for f in bf16 q8_0 q4_0; do
  run --model "$CK/a3b-e32-$f" --prompt-tokens 512 --gen-tokens 128 --bandwidth
done
for f in q8_0 q4_0; do
  for d in 4096 16384 32768; do
    run --model "$CK/a3b-e32-$f" --prompt-tokens 16 --gen-tokens 32 --depth $d --bandwidth
  done
  run --model "$CK/a3b-e32-$f" --prompt-tokens 16 --gen-tokens 32 --depth 0 --bandwidth
done
for f in q8_0 q4_0; do
  run --model "$CK/a3b-e32-$f" --prompt-tokens 64 --gen-tokens 32 --mtp 2
done
