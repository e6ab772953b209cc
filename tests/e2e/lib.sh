# tests/e2e/lib.sh - shared by the end-to-end scripts (sourced, not run).
#
# Output is TAP: "ok N - what" / "not ok N - what" with "# detail" lines.
# Servers listen on 127.0.0.1, on a port the kernel picks, and are stopped
# by the process id this script recorded. Everything lives in a temporary
# directory that is removed on exit.

set -u
: "${SERVER:?SERVER must name the bin/server to test}"
: "${PDM_MODE:=release}"

T_N=0
T_FAILED=0
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pdm-e2e.XXXXXX")
SERVER_PID=
PORT=
BASE=

t_cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$T_DIR"
}
trap t_cleanup EXIT

ok() {
    T_N=$((T_N + 1))
    echo "ok $T_N - $1"
}

not_ok() {
    local what=$1
    shift
    T_N=$((T_N + 1))
    T_FAILED=1
    echo "not ok $T_N - $what"
    for line in "$@"; do
        printf '# %s\n' "$line"
    done
}

# check WHAT CMD... : ok when CMD succeeds
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what" "failed: $*"; fi
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi
}

# check_status WHAT EXPECTED ACTUAL FILE...: an exit status; on failure the
# tails of FILE... go into the report, so a flaky run explains itself
check_status() {
    local what=$1 want=$2 got=$3 f lines=()
    shift 3
    if [ "$want" = "$got" ]; then
        ok "$what"
        return
    fi
    lines=("expected exit status $want, got $got")
    for f in "$@"; do
        [ -f "$f" ] || continue
        lines+=("--- ${f##*/}:")
        while IFS= read -r l; do lines+=("$l"); done < <(tail -n 15 "$f")
    done
    not_ok "$what" "${lines[@]}"
}

# done_testing: the TAP plan, and the exit status
done_testing() {
    echo "1..$T_N"
    exit "$T_FAILED"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# mkfile PATH SIZE SEED: deterministic content (tools/mksample)
mkfile() {
    "${MKSAMPLE:?}" "$2" "$3" > "$1"
}

# start_server ROOT [ARGS...]: start bin/server on 127.0.0.1, port chosen by
# the kernel (or $START_PORT, to come back on the same one), catalog in
# $T_DIR/text.txt; sets SERVER_PID, PORT and BASE. The access log of every
# run is appended to $T_DIR/server.log.
start_server() {
    local root=$1 i
    shift
    [ -f "$T_DIR/server.out" ] && cat "$T_DIR/server.out" >> "$T_DIR/server.log"
    : > "$T_DIR/server.out"
    "$SERVER" --port "${START_PORT:-0}" --bind 127.0.0.1 --root "$root" --catalog "$T_DIR/text.txt" \
        --rescan 0 "$@" > "$T_DIR/server.out" 2> "$T_DIR/server.err" &
    SERVER_PID=$!
    for i in $(seq 1 200); do
        PORT=$(sed -n '1s|^listening on http://.*:\([0-9]*\)/$|\1|p' "$T_DIR/server.out")
        [ -n "$PORT" ] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            not_ok "the server starts" "$(cat "$T_DIR/server.err")"
            SERVER_PID=
            return 1
        fi
        sleep 0.1
    done
    if [ -z "$PORT" ]; then
        not_ok "the server says where it listens within 20 s" "$(cat "$T_DIR/server.err")"
        return 1
    fi
    BASE=http://127.0.0.1:$PORT
}

# sanitizer_clean FILE: no sanitizer report in FILE
sanitizer_clean() {
    ! grep -Eq 'ERROR: (Address|Leak|Thread|UndefinedBehavior)Sanitizer|WARNING: ThreadSanitizer|runtime error:' "$1"
}

# stop_server: SIGTERM, expect exit status 0 and a clean stderr
stop_server() {
    local rc
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null
    rc=0
    timeout 30 tail --pid="$SERVER_PID" -f /dev/null 2>/dev/null || true
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=
    check_eq "the server exits 0 on SIGTERM" 0 "$rc"
    if sanitizer_clean "$T_DIR/server.err"; then
        ok "the server's stderr has no sanitizer report"
    else
        not_ok "the server's stderr has no sanitizer report" "$(head -c 4000 "$T_DIR/server.err")"
    fi
}

# Tools scale with the build: sanitizers are slow, so big files get smaller.
big_size() {
    case $PDM_MODE in
    release) echo $((64 << 20)) ;;
    *) echo $((16 << 20)) ;;
    esac
}
