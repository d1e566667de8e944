#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for a set time, niced, then
# reports executions and crashes per target. Every run is appended to
# fuzz/runs.tsv (the record RELIABILITY.md quotes); crash inputs land in
# fuzz/artifacts/TARGET/ and make the script exit non-zero.
#
#   fuzz/run.sh SECONDS [TARGET...]   run each TARGET (default: all) SECONDS
#   fuzz/run.sh --until N [TARGET...] run each TARGET in rounds of $CHUNK
#                                     seconds (default 600) until runs.tsv
#                                     records N executions for it in total
#   fuzz/run.sh --totals              executions per target over all runs
#   fuzz/run.sh --build               build only
#   fuzz/run.sh --smoke               each target for a fixed 20,000 inputs
#                                     from seed 1 (deterministic; for CI;
#                                     not recorded)
#
# Environment: JOBS=N runs N targets at once (default 1: the machine has two
# cores shared with other work); NICE=N (default 10).
#
# Needs no nightly toolchain and no cargo-fuzz: the flags below are what
# `cargo fuzz build -s none` passes to rustc, and all of them are stable
# (`-Cpasses=sancov-module` is how libFuzzer's coverage counters get in).
# With cargo-fuzz installed, `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET`
# works too (it needs -Z flags for sanitizers; `-s none` does not).
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$(pwd)
ALL=(parse_feed extract_page charset_decode topic_query canonical_url dates)
LEDGER=$FUZZ/runs.tsv

totals() {
    [ -f "$LEDGER" ] || { echo "no runs recorded yet"; return; }
    printf "%-16s %14s %10s %8s\n" target executions seconds crashes
    awk -F'\t' 'NR > 1 { runs[$3] += $5; secs[$3] += $4; crashes[$3] += $7 }
        END { for (t in runs) printf "%-16s %14d %10d %8d\n", t, runs[t], secs[t], crashes[t] }' \
        "$LEDGER" | sort
}

if [ "${1:-}" = "--totals" ]; then
    totals
    exit 0
fi

HOST=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Cpasses=sancov-module \
 -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
 -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares \
 --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps those flags away from build scripts and proc macros, which
# are not linked against libFuzzer.
nice -n "${NICE:-10}" cargo build --release --target "$HOST" --bins
BIN=$FUZZ/target/$HOST/release
[ "${1:-}" = "--build" ] && exit 0

if [ "${1:-}" = "--smoke" ]; then
    status=0
    for t in "${ALL[@]}"; do
        scratch=$(mktemp -d)
        seeds=()
        [ -d "$FUZZ/seeds/$t" ] && seeds=("$FUZZ/seeds/$t")
        if "$BIN/$t" -seed=1 -runs=20000 -timeout=10 -artifact_prefix="$scratch/" \
            "$scratch" "${seeds[@]}" >"$scratch/log" 2>&1; then
            echo "$t: 20000 inputs, no crash"
        else
            echo "$t: CRASH"; grep -m5 -E "panicked at|ERROR|SUMMARY" "$scratch/log"; status=1
        fi
        rm -rf "$scratch"
    done
    exit "$status"
fi

UNTIL=
if [ "${1:-}" = "--until" ]; then
    UNTIL=${2:?usage: fuzz/run.sh --until EXECUTIONS [TARGET...]}
    shift 2
    SECONDS_EACH=${CHUNK:-600}
else
    SECONDS_EACH=${1:?usage: fuzz/run.sh SECONDS [TARGET...] | --until N [TARGET...] | --totals | --build}
    shift
fi
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
[ -f "$LEDGER" ] || printf 'date\tcommit\ttarget\tseconds\texecutions\texec_per_s\tcrashes\n' >"$LEDGER"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

# Per-target libFuzzer options: feeds and pages need room for nesting and
# several items; the small grammars do not. (Inputs far larger than 16 KiB
# — 10,000-deep nesting, 100,000 items — are the hostile-input tests' job.)
options() {
    case "$1" in
        parse_feed) echo "-max_len=16384 -dict=$FUZZ/dicts/xml.dict" ;;
        extract_page) echo "-max_len=16384 -dict=$FUZZ/dicts/html.dict" ;;
        charset_decode) echo "-max_len=8192 -dict=$FUZZ/dicts/charset.dict" ;;
        topic_query) echo "-max_len=1024 -dict=$FUZZ/dicts/query.dict" ;;
        canonical_url) echo "-max_len=1024 -dict=$FUZZ/dicts/url.dict" ;;
        dates) echo "-max_len=256 -dict=$FUZZ/dicts/dates.dict" ;;
    esac
}

run_one() {
    local t=$1
    local corpus=$FUZZ/corpus/$t artifacts=$FUZZ/artifacts/$t
    mkdir -p "$corpus" "$artifacts"
    local log
    log="$artifacts/log-$(date -u +%Y%m%dT%H%M%S).txt"
    local seeds=()
    [ -d "$FUZZ/seeds/$t" ] && seeds=("$FUZZ/seeds/$t")
    local before after
    before=$(find "$artifacts" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
    local started=$SECONDS
    # shellcheck disable=SC2046
    nice -n "${NICE:-10}" "$BIN/$t" $(options "$t") \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$corpus" "${seeds[@]}" >"$log" 2>&1 || true
    after=$(find "$artifacts" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
    local execs secs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    execs=${execs:-0}
    # A run stopped by a crash or timeout prints no "Done" line: it lasted
    # as long as the clock says, not the time it was given.
    secs=${secs:-$((SECONDS - started))}
    local crashes=$((after - before))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$COMMIT" "$t" "$secs" "$execs" \
        "$((execs / (secs > 0 ? secs : 1)))" "$crashes" >>"$LEDGER"
    printf '%-16s %12s executions in %5ss, %s new crash(es)   log: %s\n' \
        "$t" "$execs" "$secs" "$crashes" "${log#"$FUZZ"/}"
    if [ "$crashes" -gt 0 ]; then
        grep -m3 -E "panicked at|ERROR: libFuzzer|SUMMARY" "$log" | sed 's/^/    /'
        return 1
    fi
}

# Executions recorded for target $1 so far.
recorded() {
    awk -F'\t' -v t="$1" 'NR > 1 && $3 == t { n += $5 } END { print n + 0 }' "$LEDGER"
}

status=0
if [ -n "$UNTIL" ]; then
    for t in "${TARGETS[@]}"; do
        while [ "$(recorded "$t")" -lt "$UNTIL" ]; do
            run_one "$t" || status=1
        done
    done
    echo
    totals
    exit "$status"
fi
pids=()
for t in "${TARGETS[@]}"; do
    [ -x "$BIN/$t" ] || { echo "no target $t (built: $(ls "$BIN" | grep -v '\.d$' | tr '\n' ' '))" >&2; status=1; continue; }
    if [ "${JOBS:-1}" -gt 1 ]; then
        run_one "$t" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$JOBS" ]; then
            wait "${pids[0]}" || status=1
            pids=("${pids[@]:1}")
        fi
    else
        run_one "$t" || status=1
    fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
echo
totals
exit "$status"
