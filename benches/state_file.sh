#!/usr/bin/env bash
# What `--state FILE` costs: `datasaur export project` of N projects against
# one `datasaur sandbox`, with and without a state file, alternated ROUNDS
# times. Two shapes: `--no-wait` (the start phase alone, where every export
# costs two whole rewrites of the file with fsync: its intent, then its
# answer) and a whole run (wait and download too). Prints each run, the
# medians and their ratio, and the state file's size.
# Then the journal's scaling: the per-export cost of --state (with minus
# without, divided by the count) at N and at SCALE_N exports in one command,
# and their ratio (target: at most 1.5; a file rewritten whole at each
# change grows with the square).
# Run from the repository root: `bash benches/state_file.sh`
# (N=1000, FULL_N=200, SCALE_N=100000; SCALE_N=0 skips the scaling run).
# Last, `job wait --state` on JOBS (3000) jobs delivered at once, against the
# same wait without a state file (the journal's target: under 15 s).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/support/common.sh
source "$root/benches/support/common.sh"
rounds="${ROUNDS:-3}"
n="${N:-1000}"
full_n="${FULL_N:-200}"
scale_n="${SCALE_N:-100000}"
jobs_n="${JOBS:-3000}"
work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --quiet --release -p datasaur-cli --manifest-path "$root/Cargo.toml"
bin="$root/target/release/datasaur"

start_sandbox
export DATASAUR_URL="$base" DATASAUR_ACCESS_TOKEN="$token"

# Seconds for one run; its output is dropped.
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2> "$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}

run_shape() {
    local label="$1" count="$2"; shift 2
    last_cost_ms=0
    local -a plain with
    for round in $(seq 1 "$rounds"); do
        ids=$(seq -f "${round}${label}%g" 1 "$count")
        # shellcheck disable=SC2086
        p=$(seconds "$bin" export project $ids --format JSON --out "$work/plain-$label-$round" "$@")
        # shellcheck disable=SC2086
        w=$(seconds "$bin" export project $(echo "$ids" | sed 's/^/t/') --format JSON \
            --out "$work/state-$label-$round" --state "$work/state-$label-$round.json" "$@")
        plain+=("$p"); with+=("$w")
        printf '%s, %d projects, round %d: without state %.2f s, with --state %.2f s (file %d bytes)\n' \
            "$label" "$count" "$round" "$p" "$w" "$(stat -c %s "$work/state-$label-$round.json")"
    done
    mp=$(median "${plain[@]}"); mw=$(median "${with[@]}")
    last_cost_ms=$(echo "($mw - $mp) * 1000 / $count" | bc -l)
    printf '%s, %d projects: median without %.2f s, with --state %.2f s: ratio %.2f, %.2f ms more per export\n' \
        "$label" "$count" "$mp" "$mw" "$(echo "$mw / $mp" | bc -l)" "$(echo "($mw - $mp) * 1000 / $count" | bc -l)"
}

run_shape start "$n" --no-wait
small_cost_ms=$last_cost_ms
if [ "$full_n" -gt 0 ]; then
    run_shape whole "$full_n"
fi
if [ "$scale_n" -gt 0 ]; then
    # Short ids: 100,000 of them must fit on one command line.
    rounds=1
    run_shape s "$scale_n" --no-wait
    printf 'journal scaling: %.3f ms per export at %d, %.3f ms at %d: ratio %.2f (target <= 1.5)\n' \
        "$small_cost_ms" "$n" "$last_cost_ms" "$scale_n" "$(echo "$last_cost_ms / $small_cost_ms" | bc -l)"
fi
if [ "$jobs_n" -gt 0 ]; then
    for _ in $(seq 1 "$jobs_n"); do
        curl -sf -X POST -H 'content-type: application/json' \
            -d '{"queuedFor": 0, "runningFor": 0}' "$base/_sandbox/jobs"
        echo
    done | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' > "$work/job-ids.txt"
    p=$(seconds "$bin" job wait --ids-from "$work/job-ids.txt" --json)
    w=$(seconds "$bin" job wait --ids-from "$work/job-ids.txt" --json --state "$work/jobs.json")
    printf 'job wait, %d jobs delivered at once: without state %.2f s, with --state %.2f s (target < 15 s)\n' \
        "$(wc -l < "$work/job-ids.txt")" "$p" "$w"
fi
