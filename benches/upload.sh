#!/usr/bin/env bash
# Uploading a large file: `datasaur upload` against `curl -F` to the same
# `datasaur sandbox`, side by side, alternated ROUNDS times. Prints each
# run's peak memory (max RSS) and throughput, and the medians' ratios.
# Run from the repository root: `bash benches/upload.sh` (SIZE_MIB=1024).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=benches/support/common.sh
source "$root/benches/support/common.sh"
rounds="${ROUNDS:-3}"
size_mib="${SIZE_MIB:-1024}"
work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
    [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --quiet --release -p datasaur-cli --manifest-path "$root/Cargo.toml"
bin="$root/target/release/datasaur"

# Random bytes: nothing on the way can compress them.
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/big.bin"
bytes=$(stat -c %s "$work/big.bin")

start_sandbox

# Prints "<max RSS KiB> <seconds>" for one command.
measure() {
    /usr/bin/time -f "%M %e" -o "$work/time" "$@" > /dev/null 2> "$work/stderr" \
        || { cat "$work/stderr" >&2; exit 1; }
    cat "$work/time"
}

declare -a ours_rss ours_s curl_rss curl_s
for round in $(seq 1 "$rounds"); do
    read -r rss secs < <(DATASAUR_URL="$base" DATASAUR_ACCESS_TOKEN="$token" \
        measure "$bin" upload "$work/big.bin")
    ours_rss+=("$rss"); ours_s+=("$secs")
    read -r crss csecs < <(measure curl -sS --fail -H "Authorization: Bearer $token" \
        -F "file=@$work/big.bin" "$base/api/static/proxy/upload")
    curl_rss+=("$crss"); curl_s+=("$csecs")
    printf 'round %d: datasaur upload %d KiB peak, %.2f s (%.0f MiB/s); curl -F %d KiB peak, %.2f s (%.0f MiB/s)\n' \
        "$round" "$rss" "$secs" "$(echo "$size_mib / $secs" | bc -l)" \
        "$crss" "$csecs" "$(echo "$size_mib / $csecs" | bc -l)"
done
mo=$(median "${ours_s[@]}"); mc=$(median "${curl_s[@]}")
ro=$(median "${ours_rss[@]}"); rc=$(median "${curl_rss[@]}")
printf 'file: %d bytes (%d MiB)\n' "$bytes" "$size_mib"
printf 'median: datasaur upload %.2f s, %d KiB peak; curl -F %.2f s, %d KiB peak\n' "$mo" "$ro" "$mc" "$rc"
printf 'throughput ratio (datasaur/curl): %.2f; peak memory: %.1f MiB vs %.1f MiB (%.4f of the file)\n' \
    "$(echo "$mc / $mo" | bc -l)" "$(echo "$ro / 1024" | bc -l)" "$(echo "$rc / 1024" | bc -l)" \
    "$(echo "$ro * 1024 / $bytes" | bc -l)"
