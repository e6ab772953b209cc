# shellcheck shell=bash
# bench/lib.sh - what the benchmark scripts share (sourced, not run):
# logging, cleanup of everything they start (by process id, on any exit,
# Ctrl-C included), and small helpers for ports, times and statistics.
# The sourcing script sets RUNS first and calls bench_require.

log() { printf 'bench: %s\n' "$*" >&2; }
die() {
    printf 'bench: ERROR: %s\n' "$*" >&2
    exit 1
}

# bench_require TOOL...: BENCH_RUNS is sane, bash can time, the tools exist.
bench_require() {
    local tool
    [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"
    [[ -n ${EPOCHREALTIME:-} ]] || die "bash 5 or newer is needed (EPOCHREALTIME)"
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: run sh scripts/deps.sh bench"
    done
}

# Loopback only: a proxy from the environment must not get in the way.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

# ---------------------------------------------------------------- cleanup

TMP=""
NGINX_PID=""
SERVER_PID=""
CLIENT_PID=""

# Stop PID with SIGTERM, then SIGKILL after GRACE seconds (and the
# children it leaves, found by parent id: nginx's workers).
stop_pid() {
    local pid=$1 grace=$2 i kids
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || {
        wait "$pid" 2>/dev/null || true
        return 0
    }
    kids=$(pgrep -P "$pid" 2>/dev/null || true)
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not stop in ${grace}s, killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    for pid in $kids; do
        kill -KILL "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_pid "$CLIENT_PID" 2
    stop_pid "$NGINX_PID" 5
    stop_pid "$SERVER_PID" 8
    if [[ -n $TMP && -d $TMP ]]; then
        rm -rf -- "$TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- helpers

# SHA-256 of a file, lowercase hex (OpenSSL is 4x faster than coreutils here).
sha256_of() {
    if command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r "$1" | cut -d' ' -f1
    else
        sha256sum "$1" | cut -d' ' -f1
    fi
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Microseconds since the epoch (strips the locale's decimal separator).
now_us() { printf '%s\n' "${EPOCHREALTIME//[!0-9]/}"; }

# Median of the numbers on stdin, one a line.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2];
              else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f", lo, hi }'; }

first_line() { head -n 1 "$1" 2>/dev/null || true; }
