# Sourced by the shell benchmarks (benches/*.sh): the median of a list, and
# a `datasaur sandbox` on a free loopback port.

# The median of the numbers given.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Starts `$bin sandbox` (its output in `$work/sandbox.out`) and waits until it
# listens; sets `sandbox_pid`, `base` (its base URL) and `token`. The caller
# kills `sandbox_pid` on exit.
start_sandbox() {
    "$bin" sandbox --addr 127.0.0.1:0 > "$work/sandbox.out" 2>/dev/null &
    sandbox_pid=$!
    for _ in $(seq 1 100); do
        grep -q "Press Ctrl-C" "$work/sandbox.out" 2>/dev/null && break
        sleep 0.1
    done
    local graphql
    graphql=$(sed -n 's/^ *GraphQL: *//p' "$work/sandbox.out" | head -1)
    base="${graphql%/graphql}"
    token=$(sed -n 's/^ *access token: *//p' "$work/sandbox.out" | head -1)
}
