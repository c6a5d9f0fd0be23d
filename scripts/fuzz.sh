#!/usr/bin/env bash
# Runs one fuzz target as a coverage-guided campaign (Jazzer, JAZZER_FUZZ=1), niced, and prints its figures.
# Usage: scripts/fuzz.sh MODULE CLASS#METHOD [EXECUTIONS (default 1000000)] [MAX_DURATION (default 2h)]
#   e.g. scripts/fuzz.sh engine-tokenizer ChatTemplateFuzzTest#template 1000000 1h
# Findings are written by Jazzer into the target's inputs directory under src/test/resources (…Inputs/METHOD/),
# where `mvn test` replays them as regression tests; the generated corpus goes to MODULE/.cifuzz-corpus/ (not
# committed). One target at a time: fuzzing is CPU-heavy. Figures: docs/reliability.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=${1:?module}; TARGET=${2:?Class#method}; RUNS=${3:-1000000}; DURATION=${4:-2h}
CLASS=${TARGET%%#*}
HOOKS=()
# tokenizer.json's Split pattern is a regular expression by design (Hugging Face compiles it with Oniguruma): Jazzer's
# RegexInjection detector reports every invalid one, which the loader already turns into a TokenizerException. The
# real risk, catastrophic backtracking, is bounded in RegexPreTokenizer (PreTokenizerTest), so the detector is off here.
[ "$CLASS" = TokenizerFilesFuzzTest ] && HOOKS=(-Djazzer.disabled_hooks=com.code_intelligence.jazzer.sanitizers.RegexInjection)
LOG="$ROOT/$MODULE/target/fuzz-${TARGET/\#/-}.log"
mkdir -p "$ROOT/$MODULE/target"
cd "$ROOT"
# -timeout: an input running longer than 20 s is reported as a hang; the sandboxes' own bounds are lower.
JAZZER_FUZZ=1 nice -n 19 scripts/mvn25 -o -q test -pl "$MODULE" -am -Dtest="$TARGET" -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.max_executions="$RUNS" -Djazzer.max_duration="$DURATION" -Dtest.jvm.extra="-Xmx2g -XX:+EnableDynamicAgentLoading" \
  -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-timeout=20 "${HOOKS[@]}" >"$LOG" 2>&1 && RC=0 || RC=$?
echo "target: $TARGET (exit $RC; libFuzzer's log $LOG; test output in $MODULE/target/surefire-reports)"
grep -aE "^#[0-9]+ +(INITED|DONE)|^Done [0-9]+ runs|^== Java Exception|FuzzTestFinding|Test unit written|artifact_prefix" "$LOG" | tail -8 || true
exit $RC
